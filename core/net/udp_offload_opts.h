// The UDP segmentation offload options for C library and kernel headers that lack them (the
// kernel has had them since 4.18 and 5.0: an older one refuses them, and callers probe). Linux.
// Include beside <netinet/udp.h> or <linux/udp.h>, in either order: a header that has them
// defines the same values.
#pragma once

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
