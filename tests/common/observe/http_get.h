// Test helper: a blocking HTTP/1.0 GET over a plain loopback socket, returning status and body.
// Used by the metrics endpoint tests. Not for production code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "common/net/handles.h"

namespace strata::testing {

struct HttpResponse {
  int status = 0;  // 0: no connection or no valid response
  std::string headers;
  std::string body;
};

inline HttpResponse httpGet(uint16_t port, const std::string& path,
                            const std::string& method = "GET") {
  HttpResponse resp;
  net::UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
  if (!fd) return resp;
  timeval timeout{5, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return resp;
  std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return resp;
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd.get(), buf, sizeof(buf), 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 && raw.compare(0, 9, "HTTP/1.0 ") != 0) return resp;
  if (end == std::string::npos) return resp;
  resp.status = std::stoi(raw.substr(9, 3));
  resp.headers = raw.substr(0, end);
  resp.body = raw.substr(end + 4);
  return resp;
}

}  // namespace strata::testing
