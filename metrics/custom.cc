#include "metrics/custom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "metrics/prometheus.h"

namespace dubbo::metrics {

namespace {

bool ValidName(const std::string& name, bool colon_ok) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(letter || (colon_ok && c == ':') || (i > 0 && digit))) return false;
  }
  return true;
}

// A sample value as Prometheus writes floats: integers without a fraction, NaN and infinities by
// name.
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!out.empty()) out += ",";
    out += names[i] + "=\"" + EscapeLabelValue(i < values.size() ? values[i] : "") + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

std::string Escaped(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void GaugeCell::Add(double d) {
  double v = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(v, v + d, std::memory_order_relaxed)) {
  }
}

HistogramCell::HistogramCell(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<int64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void HistogramCell::Observe(double v) {
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double s = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(s, s + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<int64_t> HistogramCell::buckets() const {
  std::vector<int64_t> out(bounds_->size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

template <typename Cell>
Cell& Family<Cell>::With(const std::vector<std::string>& label_values) {
  std::vector<std::string> key(labels_.size());
  for (size_t i = 0; i < key.size() && i < label_values.size(); ++i) key[i] = label_values[i];
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cells_.find(key);
  if (it == cells_.end()) {
    std::unique_ptr<Cell> cell;
    if constexpr (std::is_same_v<Cell, HistogramCell>) {
      cell = std::make_unique<Cell>(&bounds_);
    } else {
      cell = std::make_unique<Cell>();
    }
    it = cells_.emplace(std::move(key), std::move(cell)).first;
  }
  return *it->second;
}

template class Family<CounterCell>;
template class Family<GaugeCell>;
template class Family<HistogramCell>;

CustomMetrics& CustomMetrics::Global() {
  static CustomMetrics* metrics = new CustomMetrics();  // never destroyed: cells outlive exit
  return *metrics;
}

Status CustomMetrics::CheckNew(const std::string& name,
                               const std::vector<std::string>& labels) const {
  if (!ValidName(name, true)) {
    return Status(StatusCode::kInvalidArgument,
                  "metric name \"" + name + "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  if (name.rfind("dubbo_", 0) == 0) {
    return Status(StatusCode::kInvalidArgument,
                  "metric name \"" + name + "\": dubbo_ names are the call metrics'");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& l = labels[i];
    if (!ValidName(l, false) || l.rfind("__", 0) == 0) {
      return Status(StatusCode::kInvalidArgument,
                    "label \"" + l + "\" of metric " + name + " is not [a-zA-Z_][a-zA-Z0-9_]*");
    }
    if (std::find(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(i), l) !=
        labels.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Status(StatusCode::kInvalidArgument,
                    "label \"" + l + "\" appears twice in metric " + name);
    }
  }
  return Status::Ok();
}

template <typename F>
Result<F*> CustomMetrics::Existing(const std::vector<std::unique_ptr<F>>& families, Kind kind,
                                   const std::string& name, const std::vector<std::string>& labels,
                                   const std::vector<double>& bounds) const {
  for (const auto& [k, index] : order_) {
    const std::string* taken = nullptr;
    if (k == Kind::kCounter) taken = &counters_[index]->name_;
    if (k == Kind::kGauge) taken = &gauges_[index]->name_;
    if (k == Kind::kHistogram) taken = &histograms_[index]->name_;
    if (*taken != name) continue;
    if (k == kind) {
      F* f = families[index].get();
      if (f->labels_ == labels && f->bounds_ == bounds) return f;
    }
    return Status(StatusCode::kAlreadyExists,
                  "metric " + name + " is registered already with another kind, labels or bounds");
  }
  return static_cast<F*>(nullptr);
}

template <typename F>
Result<F*> CustomMetrics::Register(std::vector<std::unique_ptr<F>>& families, Kind kind,
                                   std::string name, std::string help,
                                   std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  DUBBO_ASSIGN_OR_RETURN(F * found, Existing(families, kind, name, labels, bounds));
  if (found != nullptr) return found;
  DUBBO_RETURN_IF_ERROR(CheckNew(name, labels));
  auto f = std::make_unique<F>();
  f->name_ = std::move(name);
  f->help_ = std::move(help);
  f->labels_ = std::move(labels);
  f->bounds_ = std::move(bounds);
  order_.emplace_back(kind, families.size());
  families.push_back(std::move(f));
  return families.back().get();
}

Result<CounterFamily*> CustomMetrics::Counter(std::string name, std::string help,
                                              std::vector<std::string> labels) {
  return Register(counters_, Kind::kCounter, std::move(name), std::move(help), std::move(labels),
                  {});
}

Result<GaugeFamily*> CustomMetrics::Gauge(std::string name, std::string help,
                                          std::vector<std::string> labels) {
  return Register(gauges_, Kind::kGauge, std::move(name), std::move(help), std::move(labels), {});
}

Result<HistogramFamily*> CustomMetrics::Histogram(std::string name, std::string help,
                                                  std::vector<std::string> labels,
                                                  std::vector<double> bounds) {
  if (bounds.empty()) {
    return Status(StatusCode::kInvalidArgument, "histogram " + name + " has no bucket bounds");
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      return Status(StatusCode::kInvalidArgument,
                    "histogram " + name + ": bucket bounds must be finite and ascending (bound " +
                        std::to_string(i) + " is " + Number(bounds[i]) + ")");
    }
  }
  if (std::find(labels.begin(), labels.end(), "le") != labels.end()) {
    return Status(StatusCode::kInvalidArgument, "histogram " + name + " may not have a label le");
  }
  return Register(histograms_, Kind::kHistogram, std::move(name), std::move(help),
                  std::move(labels), std::move(bounds));
}

std::string CustomMetrics::PrometheusText() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  auto head = [&](const std::string& name, const std::string& help, const char* type) {
    out += "# HELP " + name + " " + Escaped(help) + "\n# TYPE " + name + " " + type + "\n";
  };
  for (const auto& [kind, index] : order_) {
    if (kind == Kind::kCounter) {
      const CounterFamily& f = *counters_[index];
      head(f.name_, f.help_, "counter");
      std::lock_guard<std::mutex> cells(f.mu_);
      for (const auto& [values, cell] : f.cells_)
        out += f.name_ + LabelText(f.labels_, values) + " " + std::to_string(cell->value()) + "\n";
    } else if (kind == Kind::kGauge) {
      const GaugeFamily& f = *gauges_[index];
      head(f.name_, f.help_, "gauge");
      std::lock_guard<std::mutex> cells(f.mu_);
      for (const auto& [values, cell] : f.cells_)
        out += f.name_ + LabelText(f.labels_, values) + " " + Number(cell->value()) + "\n";
    } else {
      const HistogramFamily& f = *histograms_[index];
      head(f.name_, f.help_, "histogram");
      std::lock_guard<std::mutex> cells(f.mu_);
      for (const auto& [values, cell] : f.cells_) {
        const std::vector<int64_t> buckets = cell->buckets();
        int64_t cumulative = 0;
        for (size_t i = 0; i < buckets.size(); ++i) {
          cumulative += buckets[i];
          const std::string le =
              "le=\"" + (i < f.bounds_.size() ? Number(f.bounds_[i]) : std::string("+Inf")) + "\"";
          out += f.name_ + "_bucket" + LabelText(f.labels_, values, le) + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += f.name_ + "_sum" + LabelText(f.labels_, values) + " " + Number(cell->sum()) + "\n";
        out += f.name_ + "_count" + LabelText(f.labels_, values) + " " +
               std::to_string(cumulative) + "\n";
      }
    }
  }
  return out;
}

}  // namespace dubbo::metrics
