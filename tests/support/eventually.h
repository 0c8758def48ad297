// Waiting for a condition another thread brings about, when there is no event to await.
#pragma once

#include <chrono>
#include <thread>

namespace dubbo::testing {

// Polls `pred` every few milliseconds until it holds (true) or `timeout` passes (false).
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace dubbo::testing
