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

// Rough bytes of one unordered_map node plus its share of the bucket array.
constexpr size_t kDictEntryBytes = 40;

}  // namespace

ZSetObject::ZSetObject(bool compact) {
  if (!compact) setBig(std::make_unique<Big>());
}

ZSetObject::~ZSetObject() {
  delete big();
}

size_t ZSetObject::memoryUsage() const {
  if (!big()) return sizeof(*this) + lp_.allocated();
  return sizeof(*this) + lp_.allocated() + sizeof(Big) + big()->list.nodeBytes() +
         big()->dict.bucket_count() * sizeof(void*) + big()->dict.size() * kDictEntryBytes;
}

std::unique_ptr<Object> ZSetObject::clone() const {
  auto out = std::make_unique<ZSetObject>(!big());
  if (!big()) {
    out->lp_ = PackedZSet(lp_);
  } else {
    out->big()->dict.reserve(big()->dict.size());
    walk(0, size(), false, [&](std::string_view m, double s) { out->bigInsert(m, s); });
  }
  return out;
}

void ZSetObject::bigInsert(std::string_view member, double score) {
  Node* n = big()->list.insert(score, member);
  big()->dict.emplace(n->member(), n);
}

bool ZSetObject::score(std::string_view member, double& out) const {
  if (!big()) return lp_.find(member, &out) != PackedZSet::kNone;
  auto it = big()->dict.find(member);
  if (it == big()->dict.end()) return false;
  out = it->second->score;
  return true;
}

bool ZSetObject::rank(std::string_view member, size_t& out) const {
  if (!big()) return lp_.find(member, nullptr, &out) != PackedZSet::kNone;
  auto it = big()->dict.find(member);
  if (it == big()->dict.end()) return false;
  out = big()->list.rankOf(it->second);
  return true;
}

void ZSetObject::insert(std::string_view member, double score, const ZSetLimits& limits) {
  if (!big() && (lp_.size() + 1 > limits.maxEntries || member.size() > limits.maxValue)) {
    convertToSkiplist();
  }
  if (!big()) return lp_.insert(member, score);
  bigInsert(member, score);
}

void ZSetObject::updateScore(std::string_view member, double newScore) {
  if (!big()) {
    const size_t off = lp_.find(member);
    if (off == PackedZSet::kNone) return;
    // zzlDelete + zzlInsert. `member` may be a view of the buffer erasing changes: copy it.
    const std::string copy(member);
    lp_.eraseAt(off);
    lp_.insert(copy, newScore);
    return;
  }
  auto it = big()->dict.find(member);
  if (it != big()->dict.end()) big()->list.updateScore(it->second, newScore);
}

bool ZSetObject::erase(std::string_view member) {
  if (!big()) {
    const size_t off = lp_.find(member);
    if (off == PackedZSet::kNone) return false;
    lp_.eraseAt(off);
    return true;
  }
  auto it = big()->dict.find(member);
  if (it == big()->dict.end()) return false;
  Node* n = it->second;
  big()->dict.erase(it);
  big()->list.erase(n);
  return true;
}

void ZSetObject::eraseRanks(size_t start, size_t end) {
  if (start >= end) return;
  if (!big()) return lp_.eraseRanks(start, end);
  big()->list.eraseRanks(start, end, [&](Node* n) {
    big()->dict.erase(n->member());
    zset_detail::SkipList::freeNode(n);
  });
}

std::pair<std::string_view, double> ZSetObject::at(size_t rank) const {
  if (!big()) return lp_.at(rank);
  const Node* n = big()->list.at(rank);
  return {n->member(), n->score};
}

size_t ZSetObject::scoreLowerBound(const ScoreRange& r) const {
  if (!big())
    return lp_.countPrefix([&](std::string_view, double s) { return !scoreGteMin(s, r); });
  return big()->list.countPrefix([&](const Node& n) { return !scoreGteMin(n.score, r); });
}

size_t ZSetObject::scoreUpperBound(const ScoreRange& r) const {
  if (!big()) return lp_.countPrefix([&](std::string_view, double s) { return scoreLteMax(s, r); });
  return big()->list.countPrefix([&](const Node& n) { return scoreLteMax(n.score, r); });
}

size_t ZSetObject::lexLowerBound(const LexRange& r) const {
  if (!big()) return lp_.countPrefix([&](std::string_view m, double) { return !lexGteMin(m, r); });
  return big()->list.countPrefix([&](const Node& n) { return !lexGteMin(n.member(), r); });
}

size_t ZSetObject::lexUpperBound(const LexRange& r) const {
  if (!big()) return lp_.countPrefix([&](std::string_view m, double) { return lexLteMax(m, r); });
  return big()->list.countPrefix([&](const Node& n) { return lexLteMax(n.member(), r); });
}

void ZSetObject::convertToSkiplist() {
  if (big()) return;
  auto big = std::make_unique<Big>();
  big->dict.reserve(lp_.size());
  lp_.walk(0, lp_.size(), false, [&](std::string_view m, double s) {
    Node* n = big->list.insert(s, m);
    big->dict.emplace(n->member(), n);
  });
  setBig(std::move(big));  // frees the pairs
}

std::unique_ptr<ZSetObject> ZSetObject::fromSorted(
    const std::vector<std::pair<std::string, double>>& sorted, const ZSetLimits& limits) {
  size_t longest = 0;
  for (const auto& [m, s] : sorted) longest = std::max(longest, m.size());
  const bool compact = sorted.size() <= limits.maxEntries && longest <= limits.maxValue;
  auto out = std::make_unique<ZSetObject>(compact);
  if (compact) {
    for (const auto& [m, s] : sorted) out->lp_.append(m, s);
  } else {
    out->big()->dict.reserve(sorted.size());
    for (const auto& [m, s] : sorted) out->bigInsert(m, s);
  }
  return out;
}

}  // namespace strata::node
