// StreamObject, the value behind a stream (Redis 7.0's t_stream.c data model):
//
//   nodes_: std::map<master ID, Node>     each Node = up to kNodeMaxEntries entries packed in one
//                                         byte string, IDs delta-encoded against the node's
//                                         master ID, fields omitted when they repeat the node's
//                                         master fields (Redis's SAMEFIELDS flag)
//   groups_: std::map<name, ConsumerGroup>  last-delivered ID, entries-read, the PEL (ID -> NACK)
//                                           and the consumers (name -> Consumer with its own PEL)
//
// Entry layout inside Node::data: [flags:1][varint ms delta][varint seq delta]
//   then, unless SAMEFIELDS: [varint nfields] (len,field,len,value) x nfields
//   or with SAMEFIELDS: (len,value) x nfields (the fields are the node's master fields).
// XDEL and exact trimming mark entries deleted in place (flags byte) as Redis does; a node whose
// entries are all deleted is dropped. A new node starts when the tail node holds
// kNodeMaxEntries entries (live + deleted) or its estimated listpack size would reach
// kNodeMaxBytes (stream-node-max-entries 100 / stream-node-max-bytes 4096, Redis's defaults), so
// approximate trimming (which drops whole nodes only) leaves the lengths Redis leaves.
// Owned by its Entry; event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/keyspace/value.h"

namespace strata::node {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool isZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID min() { return {0, 0}; }
  static constexpr StreamID max() { return {UINT64_MAX, UINT64_MAX}; }
  // ++ / -- with carry (streamIncrID / streamDecrID); false on overflow.
  bool incr();
  bool decr();
  std::string str() const;
  // Formats into buf (>= 44 bytes), returns the view.
  std::string_view format(char* buf) const;
};

// Parses "<ms>-<seq>", "<ms>" (seq = missingSeq) as Redis's streamGenericParseIDOrReply with
// strict=0: "-" and "+" are min/max. seqGiven (optional) reports whether "-<seq>" was present;
// with allowAutoSeq "<ms>-*" is accepted (seqGiven false). False if not a valid ID.
bool parseStreamID(std::string_view s, StreamID& out, uint64_t missingSeq, bool* seqGiven,
                   bool allowAutoSeq, bool strict);

class StreamObject;

struct StreamConsumer;

// A pending entry (Redis's streamNACK).
struct StreamNACK {
  int64_t deliveryTime = 0;
  uint64_t deliveryCount = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seenTime = 0;
  std::set<StreamID> pel;  // IDs owned (their NACKs live in the group's PEL)
};

inline constexpr int64_t kInvalidEntriesRead = -1;  // SCG_INVALID_ENTRIES_READ

struct ConsumerGroup {
  StreamID lastId;
  int64_t entriesRead = 0;
  std::map<StreamID, StreamNACK> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* findConsumer(std::string_view name) const;
  StreamConsumer* createConsumer(std::string_view name, int64_t now);
  // Deletes the consumer and its pending entries; returns how many were pending.
  size_t deleteConsumer(std::string_view name);
};

// The fields of one entry, decoded into caller scratch (no allocation once warm).
struct StreamEntryView {
  StreamID id;
  // field, value, field, value ...
  const std::vector<std::string_view>* fv = nullptr;
  size_t pairs() const { return fv->size() / 2; }
};

class StreamObject final : public Object {
 public:
  static constexpr size_t kNodeMaxEntries = 100;
  static constexpr size_t kNodeMaxBytes = 4096;

  StreamObject() = default;
  size_t memoryUsage() const override;
  std::unique_ptr<Object> clone() const override;
  Encoding encoding() const override { return Encoding::kStream; }

  uint64_t length() const { return length_; }
  StreamID lastId() const { return lastId_; }
  void setLastId(StreamID id) { lastId_ = id; }
  StreamID firstId() const { return firstId_; }
  StreamID maxDeletedId() const { return maxDeletedId_; }
  void setMaxDeletedId(StreamID id) { maxDeletedId_ = id; }
  uint64_t entriesAdded() const { return entriesAdded_; }
  void setEntriesAdded(uint64_t n) { entriesAdded_ = n; }
  size_t nodeCount() const { return nodes_.size(); }

  // Appends one entry with `id` (> lastId, checked by the caller). fv: field, value, ...
  void append(StreamID id, const std::string_view* fv, size_t n);
  // Marks `id` deleted; false if absent or already deleted (XDEL).
  bool remove(StreamID id);
  // Trimming (streamTrim): MAXLEN (`maxlen`) or MINID (`minid`); approx drops whole nodes only;
  // limit (0 = none) bounds the entries removed. Returns how many were removed.
  int64_t trimMaxlen(uint64_t maxlen, bool approx, int64_t limit);
  int64_t trimMinid(StreamID minid, bool approx, int64_t limit);

  // Visits live entries with start <= id <= end, ascending (or descending with rev), until fn
  // returns false.
  void range(StreamID start, StreamID end, bool rev,
             const std::function<bool(const StreamEntryView&)>& fn) const;
  // True if an entry (live) with this id exists.
  bool contains(StreamID id) const;
  // First / last live entry id (streamGetEdgeID); false when empty.
  bool edgeId(bool first, StreamID& out) const;
  // True if a deleted entry lies in [start, end] (streamRangeHasTombstones).
  bool rangeHasTombstones(StreamID start, StreamID end) const;
  // streamEstimateDistanceFromFirstEverEntry; kInvalidEntriesRead when unknown.
  int64_t estimateDistanceFromFirstEver(StreamID id) const;
  // The consumer group lag (XINFO GROUPS), nullopt for the null reply. It can be negative (an
  // ENTRIESREAD past entries-added), which 7.0 reports as is.
  std::optional<int64_t> groupLag(const ConsumerGroup& g) const;

  // Consumer groups, ordered by name.
  std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>>& groups() { return groups_; }
  const std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>>& groups() const {
    return groups_;
  }
  ConsumerGroup* findGroup(std::string_view name) const;

  // The packed nodes as Redis's stream listpacks hold them (RDB saving): onNode(master ID, master
  // fields, live and deleted counts) per node, then onEntry(flags, entry) for each of its entries,
  // deleted ones included (flags: 1 deleted, 2 same fields as the master, Redis's values).
  struct NodeView {
    StreamID master;
    const std::vector<std::string>* masterFields;
    uint32_t live;
    uint32_t deleted;
  };
  void forEachNode(const std::function<void(const NodeView&)>& onNode,
                   const std::function<void(uint8_t, const StreamEntryView&)>& onEntry) const;

  // Unit tests and XINFO: entries per node (live + deleted).
  std::vector<size_t> nodeSizes() const;
  // The master IDs of the nodes (XINFO's radix-tree-nodes).
  std::vector<StreamID> nodeKeys() const;

 private:
  struct Node {
    std::vector<std::string> masterFields;
    std::string data;
    uint32_t live = 0;
    uint32_t deleted = 0;
    size_t lpBytes = 0;  // Redis's listpack size estimate (node split rule)
    StreamID lastId;     // last entry (live or deleted)
  };
  using NodeMap = std::map<StreamID, Node>;

  // Decodes the entry at data[pos]; returns the next position.
  static size_t decode(const Node& n, StreamID master, size_t pos, uint8_t& flags, StreamID& id,
                       std::vector<std::string_view>* fv);
  void refreshFirstId();
  // Marks entries of node `it` deleted from its start while pred(id) holds.
  int64_t trimInside(NodeMap::iterator it, const std::function<bool(StreamID)>& more);

  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamID lastId_;
  StreamID firstId_;
  StreamID maxDeletedId_;
  uint64_t entriesAdded_ = 0;
  size_t dataBytes_ = 0;
  std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> groups_;
};

}  // namespace strata::node
