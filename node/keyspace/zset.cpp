// The sorted set value: the skiplist (a port of Redis 7.0's zskiplist, spans included) and the
// two encodings of ZSetObject, see zset.h.
#include "node/keyspace/zset.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

namespace strata::node {

namespace zset_detail {

namespace {

// zslRandomLevel: each further level with probability 1/4.
int randomLevel() {
  static std::mt19937 rng{std::random_device{}()};
  int level = 1;
  while ((rng() & 0xFFFF) < static_cast<uint32_t>(0.25 * 0xFFFF)) ++level;
  return std::min(level, SkipList::kMaxLevel);
}

bool nodeBefore(const SkipNode& n, double score, std::string_view member) {
  return zsetLess(n.score, n.member(), score, member);
}

}  // namespace

SkipList::SkipList() {
  header_ = allocNode(kMaxLevel, 0, {});
}

SkipList::~SkipList() {
  SkipNode* x = header_->next();
  while (x != nullptr) {
    SkipNode* next = x->next();
    freeNode(x);
    x = next;
  }
  freeNode(header_);
}

SkipNode* SkipList::allocNode(int level, double score, std::string_view member) {
  const size_t size = SkipNode::allocSize(static_cast<uint32_t>(level), member.size());
  auto* n = static_cast<SkipNode*>(::operator new(size));
  n->score = score;
  n->backward = nullptr;
  n->len = static_cast<uint32_t>(member.size());
  n->level = static_cast<uint32_t>(level);
  for (int i = 0; i < level; ++i) n->levels()[i] = {nullptr, 0};
  if (!member.empty()) std::memcpy(const_cast<char*>(n->data()), member.data(), member.size());
  bytes_ += size;
  return n;
}

void SkipList::freeNode(SkipNode* node) {
  ::operator delete(node);
}

void SkipList::findUpdate(double score, std::string_view member, SkipNode** update,
                          size_t* rank) const {
  SkipNode* x = header_;
  size_t r = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && nodeBefore(*x->levels()[i].forward, score, member)) {
      r += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
    if (rank) rank[i] = r;
  }
}

// zslInsert with a node already allocated (its level chosen).
void SkipList::link(SkipNode* x) {
  SkipNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  findUpdate(x->score, x->member(), update, rank);
  const int level = static_cast<int>(x->level);
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    x->levels()[i].forward = update[i]->levels()[i].forward;
    update[i]->levels()[i].forward = x;
    x->levels()[i].span = update[i]->levels()[i].span - (rank[0] - rank[i]);
    update[i]->levels()[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) update[i]->levels()[i].span++;
  x->backward = (update[0] == header_) ? nullptr : update[0];
  if (x->next()) {
    x->next()->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
}

SkipNode* SkipList::insert(double score, std::string_view member) {
  SkipNode* x = allocNode(randomLevel(), score, member);
  link(x);
  return x;
}

// zslDeleteNode.
void SkipList::unlink(SkipNode* x, SkipNode** update) {
  for (int i = 0; i < level_; ++i) {
    if (update[i]->levels()[i].forward == x) {
      update[i]->levels()[i].span += x->levels()[i].span - 1;
      update[i]->levels()[i].forward = x->levels()[i].forward;
    } else {
      update[i]->levels()[i].span -= 1;
    }
  }
  if (x->next()) {
    x->next()->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) level_--;
  length_--;
}

void SkipList::erase(SkipNode* node) {
  SkipNode* update[kMaxLevel];
  findUpdate(node->score, node->member(), update);
  unlink(node, update);
  bytes_ -= SkipNode::allocSize(node->level, node->len);
  freeNode(node);
}

// zslUpdateScore: in place when the node stays between its neighbours, else unlink + relink.
void SkipList::updateScore(SkipNode* x, double newScore) {
  if ((x->backward == nullptr || x->backward->score < newScore) &&
      (x->next() == nullptr || x->next()->score > newScore)) {
    x->score = newScore;
    return;
  }
  SkipNode* update[kMaxLevel];
  findUpdate(x->score, x->member(), update);
  unlink(x, update);
  x->score = newScore;
  x->backward = nullptr;
  for (uint32_t i = 0; i < x->level; ++i) x->levels()[i] = {nullptr, 0};
  link(x);
}

size_t SkipList::rankOf(const SkipNode* node) const {
  const double score = node->score;
  const std::string_view member = node->member();
  // Nodes up to and including `node`, minus one.
  return countPrefix([&](const SkipNode& n) {
           return n.score < score || (n.score == score && n.member() <= member);
         }) -
         1;
}

SkipNode* SkipList::at(size_t rank) const {
  SkipNode* x = header_;
  size_t traversed = 0;
  const size_t want = rank + 1;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= want) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == want) return x;
  }
  return nullptr;
}

}  // namespace zset_detail

namespace {

// zslValueGteMin / zslValueLteMax.
bool scoreGteMin(double v, const ScoreRange& r) {
  return r.minex ? v > r.min : v >= r.min;
}
bool scoreLteMax(double v, const ScoreRange& r) {
  return r.maxex ? v < r.max : v <= r.max;
}
// zslLexValueGteMin / zslLexValueLteMax with sdscmplex's "-" and "+".
bool lexGteMin(std::string_view v, const LexRange& r) {
  if (r.minKind == LexRange::kMinusInf) return true;
  if (r.minKind == LexRange::kPlusInf) return false;
  int c = v.compare(r.min);
  return r.minex ? c > 0 : c >= 0;
}
bool lexLteMax(std::string_view v, const LexRange& r) {
  if (r.maxKind == LexRange::kPlusInf) return true;
  if (r.maxKind == LexRange::kMinusInf) return false;
  int c = v.compare(r.max);
  return r.maxex ? c < 0 : c <= 0;
}

// A listpack stores a score as text through d2string, which writes every integral value in
// (-2^52, 2^52) as an integer: -0 comes back as 0. Other doubles round-trip exactly ("%.17g").
double listpackScore(double s) {
  return s == 0 ? 0.0 : s;
}

// Rough bytes of one unordered_map node plus its share of the bucket array.
constexpr size_t kDictEntryBytes = 40;

}  // namespace

ZSetObject::ZSetObject(bool compact) : compact_(compact) {
  if (!compact_) list_ = std::make_unique<zset_detail::SkipList>();
}

ZSetObject::~ZSetObject() = default;

size_t ZSetObject::memoryUsage() const {
  if (compact_) return sizeof(*this) + entries_.capacity() * sizeof(CEntry) + arena_.capacity();
  return sizeof(*this) + sizeof(*list_) + list_->nodeBytes() +
         dict_.bucket_count() * sizeof(void*) + dict_.size() * kDictEntryBytes;
}

std::unique_ptr<Object> ZSetObject::clone() const {
  auto out = std::make_unique<ZSetObject>(compact_);
  if (compact_) {
    out->entries_ = entries_;
    out->arena_ = arena_;
  } else {
    out->dict_.reserve(dict_.size());
    walk(0, size(), false, [&](std::string_view m, double s) { out->appendSorted(m, s); });
  }
  return out;
}

size_t ZSetObject::cfind(std::string_view member) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const CEntry& e = entries_[i];
    if (e.len == member.size() && std::memcmp(arena_.data() + e.off, member.data(), e.len) == 0) {
      return i;
    }
  }
  return entries_.size();
}

size_t ZSetObject::cposition(double score, std::string_view member) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), 0, [&](const CEntry& e, int) {
    return zsetLess(e.score, cmember(e), score, member);
  });
  return static_cast<size_t>(it - entries_.begin());
}

void ZSetObject::cerase(size_t i) {
  const CEntry gone = entries_[i];
  entries_.erase(entries_.begin() + static_cast<long>(i));
  arena_.erase(gone.off, gone.len);
  for (CEntry& e : entries_) {
    if (e.off > gone.off) e.off -= gone.len;
  }
}

bool ZSetObject::score(std::string_view member, double& out) const {
  if (compact_) {
    size_t i = cfind(member);
    if (i == entries_.size()) return false;
    out = entries_[i].score;
    return true;
  }
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  out = it->second->score;
  return true;
}

bool ZSetObject::rank(std::string_view member, size_t& out) const {
  if (compact_) {
    size_t i = cfind(member);
    if (i == entries_.size()) return false;
    out = i;
    return true;
  }
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  out = list_->rankOf(it->second);
  return true;
}

void ZSetObject::appendSorted(std::string_view member, double score) {
  if (compact_) {
    entries_.push_back({listpackScore(score), static_cast<uint32_t>(arena_.size()),
                        static_cast<uint32_t>(member.size())});
    arena_.append(member);
    return;
  }
  Node* n = list_->insert(score, member);
  dict_.emplace(n->member(), n);
}

void ZSetObject::insert(std::string_view member, double score, const ZSetLimits& limits) {
  if (compact_ && (entries_.size() + 1 > limits.maxEntries || member.size() > limits.maxValue)) {
    convertToSkiplist();
  }
  if (compact_) {
    score = listpackScore(score);
    size_t pos = cposition(score, member);
    entries_.insert(
        entries_.begin() + static_cast<long>(pos),
        {score, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(member.size())});
    arena_.append(member);
    return;
  }
  Node* n = list_->insert(score, member);
  dict_.emplace(n->member(), n);
}

void ZSetObject::updateScore(std::string_view member, double newScore) {
  if (compact_) {
    size_t i = cfind(member);
    if (i == entries_.size()) return;
    CEntry e = entries_[i];
    entries_.erase(entries_.begin() + static_cast<long>(i));
    newScore = listpackScore(newScore);
    e.score = newScore;
    size_t pos = cposition(newScore, member);
    entries_.insert(entries_.begin() + static_cast<long>(pos), e);
    return;
  }
  auto it = dict_.find(member);
  if (it != dict_.end()) list_->updateScore(it->second, newScore);
}

bool ZSetObject::erase(std::string_view member) {
  if (compact_) {
    size_t i = cfind(member);
    if (i == entries_.size()) return false;
    cerase(i);
    return true;
  }
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  Node* n = it->second;
  dict_.erase(it);
  list_->erase(n);
  return true;
}

void ZSetObject::eraseRanks(size_t start, size_t end) {
  if (start >= end) return;
  if (compact_) {
    // Rebuild the arena without the erased members (one pass, offsets recomputed).
    std::string arena;
    arena.reserve(arena_.size());
    std::vector<CEntry> kept;
    kept.reserve(entries_.size() - (end - start));
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (i >= start && i < end) continue;
      CEntry e = entries_[i];
      const uint32_t off = static_cast<uint32_t>(arena.size());
      arena.append(arena_, e.off, e.len);
      e.off = off;
      kept.push_back(e);
    }
    entries_ = std::move(kept);
    arena_ = std::move(arena);
    return;
  }
  list_->eraseRanks(start, end, [&](Node* n) {
    dict_.erase(n->member());
    zset_detail::SkipList::freeNode(n);
  });
}

std::pair<std::string_view, double> ZSetObject::at(size_t rank) const {
  if (compact_) return {cmember(entries_[rank]), entries_[rank].score};
  const Node* n = list_->at(rank);
  return {n->member(), n->score};
}

size_t ZSetObject::scoreLowerBound(const ScoreRange& r) const {
  if (compact_) {
    return static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const CEntry& e) { return !scoreGteMin(e.score, r); }) -
        entries_.begin());
  }
  return list_->countPrefix([&](const Node& n) { return !scoreGteMin(n.score, r); });
}

size_t ZSetObject::scoreUpperBound(const ScoreRange& r) const {
  if (compact_) {
    return static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const CEntry& e) { return scoreLteMax(e.score, r); }) -
        entries_.begin());
  }
  return list_->countPrefix([&](const Node& n) { return scoreLteMax(n.score, r); });
}

size_t ZSetObject::lexLowerBound(const LexRange& r) const {
  if (compact_) {
    return static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const CEntry& e) { return !lexGteMin(cmember(e), r); }) -
        entries_.begin());
  }
  return list_->countPrefix([&](const Node& n) { return !lexGteMin(n.member(), r); });
}

size_t ZSetObject::lexUpperBound(const LexRange& r) const {
  if (compact_) {
    return static_cast<size_t>(
        std::partition_point(entries_.begin(), entries_.end(),
                             [&](const CEntry& e) { return lexLteMax(cmember(e), r); }) -
        entries_.begin());
  }
  return list_->countPrefix([&](const Node& n) { return lexLteMax(n.member(), r); });
}

void ZSetObject::convertToSkiplist() {
  if (!compact_) return;
  compact_ = false;
  list_ = std::make_unique<zset_detail::SkipList>();
  dict_.reserve(entries_.size());
  for (const CEntry& e : entries_) {
    Node* n = list_->insert(e.score, cmember(e));
    dict_.emplace(n->member(), n);
  }
  std::vector<CEntry>().swap(entries_);
  std::string().swap(arena_);
}

std::unique_ptr<ZSetObject> ZSetObject::fromSorted(
    const std::vector<std::pair<std::string, double>>& sorted, const ZSetLimits& limits) {
  size_t longest = 0;
  for (const auto& [m, s] : sorted) longest = std::max(longest, m.size());
  const bool compact = sorted.size() <= limits.maxEntries && longest <= limits.maxValue;
  auto out = std::make_unique<ZSetObject>(compact);
  if (compact) {
    out->entries_.reserve(sorted.size());
  } else {
    out->dict_.reserve(sorted.size());
  }
  for (const auto& [m, s] : sorted) out->appendSorted(m, s);
  return out;
}

}  // namespace strata::node
