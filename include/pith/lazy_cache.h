// LazyCache: a value derived from a fitted model (a compiled predictor, packed parameters),
// built once on first use, thread-safely, and kept with the model. A model's copies start
// without it, so a model modified after a copy never uses a stale one.
#pragma once

#include <memory>
#include <mutex>

namespace pith {

class LazyCache {
 public:
  LazyCache() : state_(std::make_unique<State>()) {}
  LazyCache(const LazyCache&) : state_(std::make_unique<State>()) {}
  LazyCache& operator=(const LazyCache&) {
    state_ = std::make_unique<State>();
    return *this;
  }
  LazyCache(LazyCache&&) noexcept = default;
  LazyCache& operator=(LazyCache&&) noexcept = default;
  ~LazyCache() = default;

  // The cached T, made by make() (returning std::shared_ptr<const T>) on the first call. Every
  // call on one cache must ask for the same T. Not for a moved-from cache.
  template <class T, class Make>
  const T& get(Make&& make) const {
    std::call_once(state_->once, [&] { state_->value = make(); });
    return *static_cast<const T*>(state_->value.get());
  }

 private:
  struct State {
    std::once_flag once;
    std::shared_ptr<const void> value;
  };
  std::unique_ptr<State> state_;
};

}  // namespace pith
