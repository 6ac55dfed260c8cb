// One connection from a worker to one cluster node, pipelined: requests from many clients are
// appended to one output buffer and flushed in one write per loop turn; replies come back in
// order and are matched to the queue of sent requests. Shared connections carry ordinary
// commands; exclusive ones are leased to one client for blocking commands, transactions and
// pub/sub (see BackendPool). Owned by the worker's BackendPool; worker thread only.
//
//   send(r): out_ += [ASKING] + r->cmd ; pending_.push(r)
//   onReadable: frame replies -> pending_.front() -> Worker::onBackendReply(r, reply)
//   failure: every pending request is retried (if never written, or read-only) or failed.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "common/net/handles.h"
#include "common/net/io_buffer.h"
#include "common/net/stream.h"
#include "common/resp/reply_parser.h"
#include "proxy/request.h"
#include "proxy/slot_map.h"

namespace strata::proxy {

class Worker;

class BackendConn {
 public:
  enum class Mode : uint8_t { kShared, kExclusive };
  // Frames that arrive on an exclusive connection with no request waiting (pub/sub messages).
  using PushHandler = std::function<void(const char* data, size_t len)>;

  BackendConn(Worker& worker, Address address, Mode mode, bool resp3);
  ~BackendConn();
  BackendConn(const BackendConn&) = delete;

  // Starts the non-blocking connect (and TLS, AUTH). False if the socket could not be created;
  // a refused or slow connect is reported later through the failure path.
  bool connect();

  // Queues a request; the bytes go out at the next flush(). The connection owns `r` until the
  // reply is delivered (r->inBackend).
  void send(Request* r);
  // Queues bytes whose replies all go to the push handler (pub/sub subscriber connections).
  void sendRaw(std::string_view bytes);
  // Queues a command whose reply is dropped (ASKING, UNWATCH, AUTH...).
  void sendInternal(std::string_view cmd, bool mustSucceed = false);
  // Writes as much queued output as the socket takes; arms EV_WRITE for the rest.
  void flush();

  // Fails and releases everything, closes the socket. The pool deletes the object later.
  void close(std::string_view why, bool failure = true);

  const Address& address() const { return address_; }
  // Unique for the life of the process: tells a connection from a later one at the same address
  // (and the same heap address once this one is deleted).
  uint64_t id() const { return id_; }
  Mode mode() const { return mode_; }
  bool resp3() const { return resp3_; }
  bool closed() const { return closed_; }
  bool connected() const { return connected_; }
  size_t pendingCount() const { return pending_.size(); }
  // Oldest request still waiting for its reply (deadline checks), or nullptr.
  Request* oldestPending() const;
  void setPushHandler(PushHandler h) { pushHandler_ = std::move(h); }
  // Called when the connection dies (exclusive users: blocking, pub/sub, transactions).
  void setCloseHandler(std::function<void(std::string_view)> h) { closeHandler_ = std::move(h); }
  Clock::time_point lastUsed() const { return lastUsed_; }
  // Worker::markDirty / endOfTurn: true while this link waits in the worker's flush list, so a
  // link that queues many requests in one turn is listed (and flushed) once.
  bool flushQueued() const { return flushQueued_; }
  void setFlushQueued(bool queued) { flushQueued_ = queued; }

 private:
  struct Pending {
    Request* request;     // null for internal commands
    uint8_t skipReplies;  // replies to drop before this one's (ASKING's +OK)
    bool mustSucceed;     // internal command whose error closes the connection (AUTH)
  };

  void onEvent(evutil_socket_t fd, short what);
  void onReadable();
  void onWritable();
  void onConnected();
  void updateInterest();
  void failPending(std::string_view why);

  Worker& worker_;
  uint64_t id_;
  Address address_;
  Mode mode_;
  bool resp3_;
  std::unique_ptr<net::Stream> stream_;
  net::EventPtr event_;
  short armed_ = 0;
  bool connecting_ = false;
  bool connected_ = false;
  bool closed_ = false;
  bool flushQueued_ = false;
  net::IoBuffer in_;
  net::IoBuffer out_;
  std::deque<Pending> pending_;
  // Bytes still unwritten of each of the last unwrittenLens_.size() entries of pending_ (written
  // entries are always a prefix: no reply can come for bytes not yet sent).
  std::deque<size_t> unwrittenLens_;
  resp::ReplyParser parser_;
  PushHandler pushHandler_;
  std::function<void(std::string_view)> closeHandler_;
  Clock::time_point lastUsed_;
};

}  // namespace strata::proxy
