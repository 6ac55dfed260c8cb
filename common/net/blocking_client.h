// A small blocking RESP client with timeouts, plain or TLS, for control paths that run on their
// own thread: the proxy's topology refresher (CLUSTER SHARDS, COMMAND), admin tools and tests.
// Never used on an event loop. One instance per connection; not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/stream.h"
#include "common/net/tls_context.h"
#include "common/resp/reply_parser.h"

namespace strata::net {

class BlockingClient {
 public:
  // Connects to host:port within `timeout`. On failure returns nullptr and sets `error`.
  static std::unique_ptr<BlockingClient> connect(const std::string& host, uint16_t port,
                                                 std::chrono::milliseconds timeout,
                                                 std::shared_ptr<const TlsContext> tls,
                                                 std::string& error);

  // Sends one command and reads its reply within the timeout given to connect(). False on I/O
  // or protocol failure (see error()); an error *reply* is a successful call.
  bool call(const std::vector<std::string_view>& args, resp::Value& reply);
  const std::string& error() const { return error_; }

 private:
  BlockingClient(std::unique_ptr<Stream> stream, std::chrono::milliseconds timeout)
      : stream_(std::move(stream)), timeout_(timeout) {}
  bool waitFor(short events, std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<Stream> stream_;
  std::chrono::milliseconds timeout_;
  std::string in_;
  std::string error_;
};

}  // namespace strata::net
