// MIGRATE's connections to target nodes, cached per "host:port" like Redis's
// migrateCachedSockets: at most 64 (a random one is dropped to make room), each closed after
// 10 s without use by a 1 s sweep timer on the server's event base, and the last database
// selected on each (so a run of MIGRATEs sends SELECT once).
//
//   MIGRATE ──> MigrateSockets::get(host, port) ──> MigrateLink (cached or freshly connected)
//                  │                                   writeAll(AUTH? SELECT? RESTORE-ASKING...)
//                  └── sweep timer: idle > 10 s ──x    readReply() x N, each within the timeout
//
// I/O is blocking with a deadline per call (non-blocking socket + poll()), on the event-loop
// thread: MIGRATE holds the loop up to its timeout per step, as Redis's does. Plain TCP, or TLS
// with tls-cluster yes (the caller passes the node's client context). Owned by the Server;
// event-loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/net/handles.h"
#include "common/net/stream.h"
#include "common/net/tls_context.h"
#include "common/resp/reply_parser.h"
#include "common/resp/value.h"

namespace strata::node {

class MigrateLink {
 public:
  // Connects within `timeoutMs`; nullptr when the host does not resolve or the connection is
  // still pending at the deadline. A refused connection returns a link whose writes fail.
  // With `tls` (tls-cluster yes) the link speaks TLS; the handshake runs in the first write.
  static std::unique_ptr<MigrateLink> connect(const std::string& host, uint16_t port,
                                              int64_t timeoutMs,
                                              const net::TlsContext* tls = nullptr);

  // Writes all of `data`, each 64 KB chunk within `timeoutMs`. False on error or timeout.
  bool writeAll(std::string_view data, int64_t timeoutMs);
  // Reads the next reply within `timeoutMs`. False on error, close, protocol error or timeout.
  bool readReply(resp::Value& out, int64_t timeoutMs);
  // The last failure was a timeout (Redis does not retry those).
  bool timedOut() const { return timedOut_; }

  int64_t lastDbid = -1;  // -1: SELECT before the next RESTORE
  int64_t lastUseMs = 0;

 private:
  explicit MigrateLink(std::unique_ptr<net::Stream> stream) : stream_(std::move(stream)) {}
  bool wait(short events, int64_t deadlineMs);
  // The poll() events the stream needs next: `natural`, or the other one for a TLS stream whose
  // last read wanted the socket writable / last write wanted it readable.
  short waitEvents(short natural) const;

  std::unique_ptr<net::Stream> stream_;
  resp::ReplyParser parser_;
  std::string in_;
  bool timedOut_ = false;
  bool broken_ = false;  // the connect itself failed: every write fails
};

class MigrateSockets {
 public:
  static constexpr size_t kMaxItems = 64;    // MIGRATE_SOCKET_CACHE_ITEMS
  static constexpr int64_t kTtlMs = 10'000;  // MIGRATE_SOCKET_CACHE_TTL

  explicit MigrateSockets(event_base* base);
  ~MigrateSockets();
  MigrateSockets(const MigrateSockets&) = delete;
  MigrateSockets& operator=(const MigrateSockets&) = delete;

  // The cached link to host:port (its use time refreshed) or a new one connected within
  // `timeoutMs`; nullptr when the connection fails.
  MigrateLink* get(std::string_view host, std::string_view port, int64_t timeoutMs,
                   const net::TlsContext* tls = nullptr);
  // Drops the link to host:port (after an I/O error), if any.
  void close(std::string_view host, std::string_view port);
  size_t size() const { return links_.size(); }
  // Closes the links idle for more than kTtlMs at `nowMs` (the sweep timer calls it).
  void closeIdle(int64_t nowMs);

 private:
  void onSweep(evutil_socket_t fd, short what);

  event_base* base_;
  std::unordered_map<std::string, std::unique_ptr<MigrateLink>> links_;
  net::EventPtr sweep_;
};

}  // namespace strata::node
