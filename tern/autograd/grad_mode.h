// Grad mode: while disabled (NoGradGuard), ops record nothing on the tape.
#pragma once

#include "tern/ops/dispatch.h"

namespace tern {

inline bool grad_enabled() { return dispatch_state().grad_enabled; }

class NoGradGuard {
 public:
  NoGradGuard() : prev_(dispatch_state().grad_enabled) { dispatch_state().grad_enabled = false; }
  ~NoGradGuard() { dispatch_state().grad_enabled = prev_; }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace tern
