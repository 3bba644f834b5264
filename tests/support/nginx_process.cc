#include "tests/support/nginx_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/http_client.h"

namespace percore::test {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

NginxProcess::NginxProcess(const std::string& locations, const std::string& extra_http) {
  char tmpl[] = "/tmp/percore-nginx-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  dir_ = tmpl;
  chmod(dir_.c_str(), 0755);  // nginx's worker may run as another user and must read the files
  std::string body = locations;
  for (size_t at; (at = body.find("$DIR")) != std::string::npos;) body.replace(at, 4, dir_);
  for (int attempt = 0; attempt < 5 && port_ == 0; ++attempt) {
    int port = free_port();
    std::ofstream conf(dir_ + "/nginx.conf");
    conf << "worker_processes 1;\nerror_log " << dir_ << "/error.log warn;\n"
         << "events { worker_connections 4096; }\n"
         << "http {\n  access_log off;\n  client_body_temp_path " << dir_ << "/body;\n"
         << "  proxy_temp_path " << dir_ << "/proxy;\n  fastcgi_temp_path " << dir_ << "/fcgi;\n"
         << "  uwsgi_temp_path " << dir_ << "/uwsgi;\n  scgi_temp_path " << dir_ << "/scgi;\n"
         << "  keepalive_requests 1000000;\n"
         << extra_http << "\n"
         << "  server {\n    listen 127.0.0.1:" << port << ";\n"
         << body << "\n  }\n}\n";
    conf.close();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-g",
                                 "daemon off; pid " + dir_ + "/nginx.pid;"});
    for (int i = 0; i < 50; ++i) {
      int fd = connect_loopback(port);
      if (fd >= 0) {
        close(fd);
        port_ = port;
        break;
      }
      if (!process_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (port_ == 0) process_->kill_all();
  }
}

NginxProcess::~NginxProcess() {
  stop();
  if (!dir_.empty()) {
    int status = 0;
    run_command("rm -rf '" + dir_ + "'", 10, &status);
  }
}

void NginxProcess::stop() {
  if (process_) process_->kill_all();
}

std::string NginxProcess::error_log() const {
  std::ifstream in(dir_ + "/error.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace percore::test
