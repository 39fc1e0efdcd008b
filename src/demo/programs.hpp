// Factories of the demo programs, one file each; demos() in registry.cpp lists them.
#pragma once

#include "explore/program.hpp"

#include <memory>

namespace demo {

std::unique_ptr<explore::Program> make_lost_update();
std::unique_ptr<explore::Program> make_atomic_counter();
std::unique_ptr<explore::Program> make_abba_deadlock();
std::unique_ptr<explore::Program> make_mutex_under_spinlock();
std::unique_ptr<explore::Program> make_ipi_vs_irqs_off();
std::unique_ptr<explore::Program> make_rcu_use_after_free();
std::unique_ptr<explore::Program> make_trylock_livelock();

} // namespace demo
