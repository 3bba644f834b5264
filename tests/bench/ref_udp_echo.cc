// The reference for the UDP echo benchmark: the smallest honest UDP echo loop, one blocking
// socket, one recvfrom and one sendto per datagram. percore's udp-echo is measured against it.
//
//   ref_udp_echo PORT     (binds 127.0.0.1:PORT, prints "ready" once bound)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ref_udp_echo PORT\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
    std::perror("bind");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  static char data[65536];
  for (;;) {
    sockaddr_storage from;
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(fd, data, sizeof(data), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) continue;
    sendto(fd, data, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}
