// <netinet/udp.h> with the UDP segmentation offload options it lacks on older C libraries (the
// kernel has had them since 4.18 and 5.0: an older one refuses them, and callers probe). Linux.
#pragma once

#include <netinet/udp.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
