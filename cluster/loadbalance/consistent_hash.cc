#include "cluster/loadbalance/consistent_hash.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "cluster/loadbalance/md5.h"
#include "common/log.h"

namespace dubbo::cluster {

namespace {

uint32_t Slice(const Md5Digest& d, int k) {
  return uint32_t{d[4 * k]} | uint32_t{d[4 * k + 1]} << 8 | uint32_t{d[4 * k + 2]} << 16 |
         uint32_t{d[4 * k + 3]} << 24;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view text, int64_t* out) {
  text = Trim(text);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

Status Bad(std::string_view key, std::string_view text, std::string_view why) {
  return Status(StatusCode::kInvalidArgument,
                "parameter " + std::string(key) + "=" + std::string(text) + " " + std::string(why));
}

}  // namespace

uint32_t HashPoint(std::string_view text, int k) { return Slice(Md5(text), k); }

Result<int32_t> ParseHashNodes(std::string_view key, std::string_view text) {
  int64_t v = 0;
  if (!ParseInt(text, &v)) return Bad(key, text, "is not an integer");
  if (v < 4 || v > ConsistentHashLoadBalance::kMaxNodes) {
    return Bad(key, text,
               "is out of range: consistenthash needs 4 to " +
                   std::to_string(ConsistentHashLoadBalance::kMaxNodes) +
                   " virtual nodes per provider");
  }
  return static_cast<int32_t>(v);
}

Result<std::vector<int32_t>> ParseHashArguments(std::string_view key, std::string_view text) {
  std::vector<int32_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string_view piece = Trim(text.substr(start, end - start));
    start = end + 1;
    if (piece.empty()) continue;  // Java splits on runs of commas
    int64_t v = 0;
    if (!ParseInt(piece, &v) || v < INT32_MIN || v > INT32_MAX) {
      return Bad(key, text, "is not a list of argument indexes (e.g. 0 or 0,1)");
    }
    out.push_back(static_cast<int32_t>(v));
  }
  if (out.empty()) return Bad(key, text, "names no argument index");
  return out;
}

std::shared_ptr<const ConsistentHashLoadBalance::Ring> ConsistentHashLoadBalance::Build(
    const ProviderList& invokers, std::string_view method,
    std::shared_ptr<const ProviderView> view) {
  auto ring = std::make_shared<Ring>();
  ring->view = std::move(view);
  const Url& url = invokers.front()->url();
  // Dubbo's getMethodParameter: "<method>.<key>" when set, else "<key>".
  auto key_of = [&](std::string_view key) {
    std::string method_key = std::string(method) + "." + std::string(key);
    return url.Get(method_key).empty() ? std::string(key) : method_key;
  };
  const std::string nodes_key = key_of("hash.nodes");
  const std::string args_key = key_of("hash.arguments");
  int32_t nodes = kDefaultNodes;
  if (const std::string text = url.Get(nodes_key); !text.empty()) {
    auto parsed = ParseHashNodes(nodes_key, text);
    if (parsed.ok()) {
      nodes = *parsed;
    } else {
      LogWarning() << "consistenthash: " << parsed.status().message() << " in " << url.ToString()
                   << "; using " << kDefaultNodes;
    }
  }
  ring->arguments = {0};
  if (const std::string text = url.Get(args_key); !text.empty()) {
    auto parsed = ParseHashArguments(args_key, text);
    if (parsed.ok()) {
      ring->arguments = std::move(*parsed);
    } else {
      LogWarning() << "consistenthash: " << parsed.status().message() << " in " << url.ToString()
                   << "; hashing argument 0";
    }
  }

  struct Point {
    uint32_t hash;
    uint32_t owner;
  };
  std::vector<Point> points;
  points.reserve(invokers.size() * static_cast<size_t>(nodes / 4) * 4);
  std::string text;
  for (size_t i = 0; i < invokers.size(); ++i) {
    const std::string address = invokers[i]->url().Address();
    for (int32_t r = 0; r < nodes / 4; ++r) {
      text = address;
      text += std::to_string(r);
      const Md5Digest d = Md5(text);
      for (int k = 0; k < 4; ++k) points.push_back({Slice(d, k), static_cast<uint32_t>(i)});
    }
  }
  // Java's TreeMap.put replaces an equal key: of colliding points the last one put wins.
  std::stable_sort(points.begin(), points.end(),
                   [](const Point& a, const Point& b) { return a.hash < b.hash; });
  ring->points.reserve(points.size());
  ring->owners.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    if (i + 1 < points.size() && points[i + 1].hash == points[i].hash) continue;
    ring->points.push_back(points[i].hash);
    ring->owners.push_back(points[i].owner);
  }
  return ring;
}

std::shared_ptr<ProviderInvoker> ConsistentHashLoadBalance::Pick(const SelectIn& in) {
  const ProviderList& invokers = in.invokers;
  const rpc::Invocation& inv = in.inv;
  if (invokers.size() == 1) return invokers.front();
  auto view = views_.Get(invokers, inv.method);
  Slot& slot = rings_.Get(inv.method);
  auto ring = slot.ring.load(std::memory_order_acquire);
  if (!ring || ring->view != view) {
    ring = Build(invokers, inv.method, std::move(view));
    slot.ring.store(ring, std::memory_order_release);
  }
  thread_local std::string key;
  key.clear();
  if (inv.arguments) {
    for (const int32_t i : ring->arguments)
      if (i >= 0) inv.arguments->AppendArgumentText(static_cast<size_t>(i), &key);
  }
  const uint32_t h = HashPoint(key);
  auto it = std::lower_bound(ring->points.begin(), ring->points.end(), h);
  if (it == ring->points.end()) it = ring->points.begin();
  return invokers[ring->owners[static_cast<size_t>(it - ring->points.begin())]];
}

}  // namespace dubbo::cluster
