// One client connection to the proxy: reads and parses requests, dispatches each one (answered
// locally, routed to one node, split across slots, fanned out to every master, or run on a
// dedicated backend connection), and writes replies strictly in request order while requests to
// different nodes complete in any order:
//
//   in_ ──RequestParser──> dispatch ──> Request queue: [r1 done][r2 sent][r3 done] ...
//                                                        │ the done prefix, as it completes
//   out (socket) <──flush(): one write── out_ <──────────┘ (a reply for the first unanswered
//                                                           request: straight from the backend)
//
// Memory is bounded: at most settings.maxPendingPerClient requests in flight (then reading
// pauses), the query buffer by client-query-buffer-limit, unwritten replies by
// client-output-buffer-limit (then the client is closed). Command handlers live in
// proxy/commands/*.cpp. Owned by its Worker; worker thread only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/handles.h"
#include "common/net/io_buffer.h"
#include "common/net/stream.h"
#include "common/resp/request_parser.h"
#include "common/resp/writer.h"
#include "proxy/request.h"
#include "proxy/slot_map.h"

namespace strata::proxy {

class Worker;
class BackendConn;
struct ClientFilter;
struct CommandInfo;
using Args = std::vector<std::string_view>;

class ClientConn {
 public:
  // Takes the accepted socket; returns nullptr (socket closed) if the connection can't be set up.
  static ClientConn* create(Worker& worker, net::UniqueFd fd, bool tls);
  ~ClientConn();
  ClientConn(const ClientConn&) = delete;

  void onRequestDone(Request* r);
  // Worker::onBackendReply: when `r` is the first unanswered request of this client, appends the
  // reply bytes (a view into the backend's buffer) straight to the output and completes `r`
  // without storing them in r->reply; false otherwise (the caller stores and completes it).
  bool takeReply(Request* r, const char* data, size_t len);
  // BackendConn::send: the client's write number `seq` went out on the shared link `conn`.
  void noteWriteSent(uint64_t seq, const BackendConn& conn);
  void flush();
  void stopReading();
  // Deadline sweep (Worker::onTick): answers every routed request of this client whose deadline
  // is before `cutoff` and that is still unanswered (Worker::expire). `scratch` is reused.
  void expireOverdue(Clock::time_point cutoff, Clock::time_point now,
                     std::vector<Request*>& scratch);

  bool closed() const { return closed_; }
  bool hasInFlight() const { return head_ != nullptr || !out_.empty(); }
  bool isSubscribed() const { return subscriptionCount() > 0; }
  // Worker::setSlotMap, when the masters may have changed: node-local subscriptions follow them.
  void onMastersChanged() {
    if (!localSubConns_.empty() || hasNodeLocalSubscriptions()) syncNodeLocal();
  }
  Clock::time_point lastActive() const { return lastActive_; }
  uint64_t id() const { return id_; }
  // Worker::markDirty / endOfTurn: true while this client waits in the worker's flush list.
  bool flushQueued() const { return flushQueued_; }
  void setFlushQueued(bool queued) { flushQueued_ = queued; }
  // `CLIENT INFO` / `CLIENT LIST` line for this connection.
  std::string infoLine() const;
  // Whether CLIENT LIST / CLIENT KILL's filter selects this client (commands/client_admin.cpp).
  bool matches(const ClientFilter& filter) const;
  void close(std::string_view why);

 private:
  ClientConn(Worker& worker, std::unique_ptr<net::Stream> stream, uint64_t id, std::string peer);

  // I/O (client_conn.cpp).
  void onEvent(evutil_socket_t fd, short what);
  void onReadable();
  void processInput();
  void updateInterest();
  void closeAfterReplies() { closeAfterFlush_ = true; }
  Request* newRequest(std::string_view raw, const Args& args);
  void enqueue(Request* r);
  // Appends the replies of the done requests from unanswered_ on to out_, in order.
  void moveDoneReplies();
  void checkOutputLimit();

  // Dispatch and connection-level commands (commands/dispatch.cpp, commands/connection.cpp).
  void dispatch(Request* r, const Args& args);
  bool handleLocal(Request* r, const Args& args, std::string_view name);
  void routeByKeys(Request* r, const Args& args, const CommandInfo* info);
  void replyLocal(Request* r);  // r->reply already written
  void replyError(Request* r, std::string_view error);
  void replySimple(Request* r, std::string_view text);
  resp::Writer writer(Request* r) { return resp::Writer(r->reply, protocol_); }
  void cmdHello(Request* r, const Args& args);
  void cmdAuth(Request* r, const Args& args);
  void cmdClient(Request* r, const Args& args);
  void cmdClientList(Request* r, const Args& args);  // commands/client_admin.cpp
  void cmdClientKill(Request* r, const Args& args);
  void cmdCommand(Request* r, const Args& args);
  void cmdReset(Request* r);
  // A failed AUTH / HELLO AUTH: counted, logged (at most once a second per worker) and
  // answered WRONGPASS after auth-failure-delay-ms, each failure behind the previous one.
  void failAuth(Request* r);
  void onAuthDelayTimer(evutil_socket_t, short);
  bool checkPassword(std::string_view user, std::string_view password) const;

  // Multi-key split and fan-out (commands/multikey.cpp, commands/fanout.cpp).
  bool trySplit(Request* r, const Args& args, std::string_view name, const CommandInfo* info);
  // Where fanOut sends a command: every master on the shared links; every master, each on a
  // leased connection, never behind the shared links' pipelines (SCRIPT KILL / FUNCTION KILL
  // must reach a node whose shared link waits for the very script to kill); or every node,
  // masters and replicas (CONFIG SET: a replica promoted later must have it too).
  enum class FanOutTo : uint8_t { kMasters, kMastersDedicated, kEveryNode };
  // Sends `args` to the nodes of `to` and merges the replies with `aggregate`.
  void fanOut(Request* r, const Args& args, Aggregator aggregate, FanOutTo to = FanOutTo::kMasters);
  void cmdScan(Request* r, const Args& args);
  void cmdInfo(Request* r, const Args& args);
  Request* addChild(Request* parent, int slot, const Args& args);

  // Blocking commands and transactions (commands/exclusive.cpp).
  void runBlocking(Request* r, const Args& args, const CommandInfo* info, int slot);
  // Sends a blocking command on a dedicated link; its deadline starts now.
  void startBlocking(Request* r);
  // `r` was just answered: if it was the running blocking command, starts the next queued one.
  void onBlockingDone(Request* r) {
    if (r == blockingRunning_) [[unlikely]]
      startNextBlocking();
  }
  void startNextBlocking();
  bool handleTransaction(Request* r, const Args& args, std::string_view name,
                         const CommandInfo* info);
  void cmdExec(Request* r);
  void resetTransaction();
  void releasePinned(bool clean);

  // Pub/Sub (commands/pubsub.cpp).
  bool handlePubSub(Request* r, const Args& args, std::string_view name);
  void onPubSubFrame(BackendConn* conn, const char* data, size_t len);
  void onPubSubLost(BackendConn* conn);
  BackendConn* leaseSubscriber(const Address* node);
  void expectFrames(Request* r, BackendConn* conn, int frames,
                    std::vector<std::string> shardChannels = {});
  void onSubscribeRefused(BackendConn* conn, const char* data, size_t len);
  void replyUnsubscribed(Request* r, std::string_view kind, const Args& args);
  void onResubscribeTimer(evutil_socket_t, short);
  void armResubscribe();
  // Keyspace notifications from every master (commands/keyspace_events.cpp).
  bool hasNodeLocalSubscriptions() const;
  void syncNodeLocal();
  void nodeLocalSubscribe(std::string_view verb, const Args& args);
  void nodeLocalUnsubscribe(std::string_view verb, const std::vector<std::string>& removed);
  void sendNodeLocal(BackendConn* conn, std::string_view verb,
                     const std::vector<std::string_view>& names);
  void onNodeLocalFrame(BackendConn* conn, const char* data, size_t len);
  void onNodeLocalLost(BackendConn* conn);
  bool duplicateOfNodeLocal(BackendConn* conn, const resp::Value& message) const;
  void releaseNodeLocal();
  size_t subscriptionCount() const {
    return channels_.size() + patterns_.size() + shardChannelNode_.size() +
           resubscribeShard_.size();
  }
  void dropPubSub();

  Worker& worker_;
  std::unique_ptr<net::Stream> stream_;
  net::EventPtr event_;
  short armed_ = 0;
  uint64_t id_;
  std::string peer_;
  std::string localAddr_;
  const char* lastCommand_ = "NULL";
  uint16_t lastCommandId_ = 0;
  std::string name_;
  std::string user_ = "default";
  resp::Protocol protocol_ = resp::Protocol::kResp2;
  bool authenticated_ = false;
  bool closed_ = false;
  bool closeAfterFlush_ = false;
  bool flushQueued_ = false;
  bool readingPaused_ = false;
  bool stopReading_ = false;
  net::IoBuffer in_;
  resp::RequestParser parser_;
  Clock::time_point lastActive_;
  Clock::time_point created_;

  // Ordered queue of requests (intrusive through Request::nextInClient). The requests before
  // unanswered_ have their replies in out_ already; flush() releases them (not earlier: a
  // command handler may still look at its request after answering it in the same turn).
  Request* head_ = nullptr;
  Request* tail_ = nullptr;
  Request* unanswered_ = nullptr;  // the first request whose reply is not in out_ yet
  // Parsed requests not yet answered on the socket: queued ones, plus those whose replies wait
  // in out_ (movedUnwritten_, subtracted once out_ drains). maxPendingPerClient bounds it.
  size_t inFlight_ = 0;
  size_t movedUnwritten_ = 0;
  size_t doneBytes_ = 0;  // bytes of completed replies not yet moved to out_
  net::IoBuffer out_;     // replies in order, not yet written
  std::vector<uint32_t> keyScratch_;
  // WAIT counts the replicas that acknowledged the writes made on the connection it runs on, so
  // it must run on the very shared link that carried this client's latest write: on another
  // link (a new one after a reconnect, a second link to the node, or the new master's after a
  // failover) it would count acknowledgements of other bytes and could confirm a write that no
  // replica has. markWrite() numbers each routed write; BackendConn::send reports where the
  // latest one went (noteWriteSent: just the link's id, no copy of its address per write); a
  // redirected write reports its new link.
  void markWrite(Request* r, int slot);
  int lastWriteSlot_ = -1;  // the latest write's slot (WAIT when its link is not known)
  uint64_t writeSeq_ = 0;
  uint64_t lastWriteLink_ = 0;  // BackendConn::id(); 0: not known (never written, not sent yet)

  // CLIENT REPLY: kOff drops every reply, kSkipNext the next command's; as Redis 7.0, pub/sub
  // confirmations and messages are still delivered.
  enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext };
  ReplyMode replyMode_ = ReplyMode::kOn;

  // Blocking commands run one at a time, as on one Redis connection (a blocked client runs
  // nothing else): so a client holds at most one dedicated link for them, the one its
  // descriptor budget counts (open_files_reserve.h). The others wait here, in order.
  Request* blockingRunning_ = nullptr;
  std::deque<Request*> blockingQueued_;

  // Transaction state: MULTI queues commands locally; EXEC ships them to one node.
  bool inMulti_ = false;
  bool multiFailed_ = false;  // a queued command was refused: EXEC answers EXECABORT
  int multiSlot_ = -1;        // slot of the first keyed command (or of WATCH)
  std::vector<std::string> multiCommands_;
  BackendConn* pinned_ = nullptr;  // connection holding WATCHed keys
  int watchSlot_ = -1;
  bool watchBroken_ = false;  // the WATCH connection died: EXEC must abort

  // Pub/Sub state. SUBSCRIBE/PSUBSCRIBE share one leased connection to any master (a cluster
  // broadcasts PUBLISH to every node); SSUBSCRIBE channels live on their slot's master.
  struct SubWaiter {
    Request* request;  // null: the proxy's own resubscription (its confirmation is dropped)
    int frames;        // confirmations still expected on this connection
    std::vector<std::string> shardChannels;  // SSUBSCRIBE: its channels (followed on -MOVED)
    int redirects = 0;
  };
  std::set<std::string> channels_, patterns_;
  std::map<std::string, Address> shardChannelNode_;
  BackendConn* subConn_ = nullptr;
  std::map<Address, BackendConn*> shardSubConns_;
  std::map<BackendConn*, std::deque<SubWaiter>> subWaiters_;
  std::map<BackendConn*, int> swallow_;  // confirmations of resubscriptions: not for the client
  bool resubscribeGlobal_ = false;
  std::set<std::string> resubscribeShard_;
  // Node-local channels and patterns (keyspace notifications): one connection per master.
  std::map<Address, BackendConn*> localSubConns_;
  net::EventPtr resubscribeTimer_;

  // Failed AUTHs waiting for their delayed WRONGPASS, in order, with their due times.
  std::deque<std::pair<Request*, Clock::time_point>> authDelayed_;
  net::EventPtr authDelayTimer_;
};

}  // namespace strata::proxy
