// Umbrella header for model code: every sim primitive.
#pragma once

#include "sim/atomic.hpp"
#include "sim/bitlock.hpp"
#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"
#include "sim/lifetime.hpp"
#include "sim/mutex.hpp"
#include "sim/rcu.hpp"
#include "sim/rwsem.hpp"
#include "sim/seqcount.hpp"
#include "sim/spinlock.hpp"
#include "sim/violation.hpp"
