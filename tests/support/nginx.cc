// Private nginx instances for the client's end-to-end tests.
#include "tests/support/nginx.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace percore::test {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool wait_for_port(int port, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    if (up) return true;
    usleep(20'000);
  }
  return false;
}

Nginx::Nginx(const std::string& server_extra) {
  if (!have_program("nginx")) return;
  char tmpl[] = "/tmp/percore-nginx-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  dir_ = tmpl;
  int port = free_port();
  std::ofstream conf(dir_ + "/nginx.conf");
  conf << "worker_processes 1;\n"
       << "pid " << dir_ << "/nginx.pid;\n"
       << "error_log " << dir_ << "/error.log;\n"
       << "events { worker_connections 4096; }\n"
       << "http {\n  access_log off;\n"
       << "  client_body_temp_path " << dir_ << "/body;\n"
       << "  proxy_temp_path " << dir_ << "/proxy;\n  fastcgi_temp_path " << dir_ << "/fcgi;\n"
       << "  uwsgi_temp_path " << dir_ << "/uwsgi;\n  scgi_temp_path " << dir_ << "/scgi;\n"
       << "  server {\n    listen 127.0.0.1:" << port << ";\n"
       << (server_extra.find("keepalive_requests") == std::string::npos
               ? "    keepalive_requests 1000000;\n"
               : "")
       << server_extra << "\n"
       << "    location / { return 200 \"hello\\n\"; }\n"
       << "    location /missing { return 404; }\n"
       << "    location /status { stub_status; }\n  }\n}\n";
  conf.close();
  proc_ = std::make_unique<Process>(std::vector<std::string>{
      "nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-g", "daemon off;"});
  if (wait_for_port(port, 5000)) port_ = port;
}

Nginx::~Nginx() {
  proc_.reset();
  if (!dir_.empty()) {
    int status = 0;
    run_command("rm -rf '" + dir_ + "'", 10, &status);
  }
}

std::string Nginx::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

NginxStatus Nginx::status() const {
  int rc = 0;
  std::string out = run_command("curl -s " + url("/status"), 10, &rc);
  // "server accepts handled requests\n 12 12 34"
  NginxStatus s;
  size_t at = out.find("requests");
  if (at == std::string::npos) return s;
  std::istringstream in(out.substr(at + 8));
  long handled = 0;
  if (!(in >> s.accepts >> handled >> s.requests)) s = NginxStatus{};
  return s;
}

void Nginx::kill() {
  if (proc_) proc_->kill_all();
}

}  // namespace percore::test
