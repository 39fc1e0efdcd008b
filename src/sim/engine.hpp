// The explore engine: runs the tasks of one schedule as fibers and lets a Chooser decide,
// at every scheduling point, which task performs its next operation. Every sim primitive
// announces its operation here first. Deterministic: the same choices give the same run.
//
// Semantics: a task runs invisible local code until it reaches a point, then stops before
// the operation. The chooser picks one runnable (enabled) task; that task's operation takes
// effect atomically (sequential consistency) and it runs on to its next point.
#pragma once

#include "sim/fiber.hpp"
#include "sim/lock_class.hpp"
#include "sim/op.hpp"
#include "sim/trace.hpp"
#include "sim/violation.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace sim {

class Lockdep;
struct Frame;

inline constexpr int kMaxTasks = 16;   // CPUs in one world, pseudo-CPUs included
inline constexpr int kMaxHeld = 24;    // locks one task may hold at once (lockdep's MAX_LOCK_DEPTH is 48)

// What the strategy sees at a decision.
struct ChoicePoint {
	TaskMask enabled = 0;   // tasks that may run now (bit = task id)
	int current = -1;       // task that ran last, if it is still enabled; -1 otherwise
	std::uint64_t step = 0; // steps taken so far in this schedule
};

// The decision maker, implemented by explore/ strategies. Must return an enabled task, and a
// value in [0, n) for value choices.
class Chooser {
public:
	virtual ~Chooser() = default;
	virtual int pick_task(const ChoicePoint& cp) = 0;
	virtual int pick_value(int n, std::uint64_t step) = 0;
};

struct HeldLock {
	LockBase* lock = nullptr;
	bool shared = false;
	int subclass = 0;
	int class_id = -1;              // lockdep's id of (class, subclass); -1: not looked up
	const LockBase* nest = nullptr; // nest_lock annotation (spin_lock_nest_lock)
	std::uint64_t step = 0;         // when it was acquired
	const char* where = nullptr;    // innermost frame at acquisition
};

struct PendingIpi {
	void (*fn)(void* arg, int cpu) = nullptr;
	void* arg = nullptr;
	int sender = -1;
};

// One simulated CPU. Per-schedule state is reset by Engine::begin_schedule() field by field
// (reset_task() in engine.cpp): a new field must be reset there too.
struct Task {
	enum class State : std::uint8_t { idle, running, at_point, finished };

	int id = -1;
	std::string name;
	State state = State::idle;

	// The operation this task is stopped before (valid in at_point).
	Op op = Op::event;
	WaitKind wait = WaitKind::none;
	const void* obj = nullptr;
	std::uint64_t arg = 0;

	Frame* frames = nullptr; // innermost MM_FRAME
	std::array<HeldLock, kMaxHeld> held{};
	int nheld = 0;
	int spin_depth = 0; // spinlocks held: preemption off
	bool irq_off = false;
	int rcu_depth = 0;
	std::uint64_t reader_since = 0; // step at which the current RCU reader section began

	std::uint64_t steps = 0;
	std::uint64_t last_step = 0;    // global step number of this task's latest operation
	std::uint32_t relax_streak = 0; // cpu_relax() calls since another task last ran

	// IPIs delivered while this CPU had IRQs off, run when it enables them.
	std::array<PendingIpi, kMaxTasks> ipis{};
	int nipis = 0;
	int ipi_unacked = 0; // CPUs that have not yet run this task's IPI

	Context ctx;
	void* stack = nullptr;

	// An RCU-sched reader: rcu_read_lock, IRQs off, or preemption off by a spinlock
	// (flavours consolidated since v4.20).
	bool in_reader() const { return rcu_depth > 0 || irq_off || spin_depth > 0; }
	const char* where() const;
};

struct EngineOptions {
	std::uint64_t max_steps = 200000; // per schedule; beyond: step-budget violation
	std::uint32_t max_relax = 200;    // cpu_relax() in a row with no other task running
	bool fair_relax = true;           // a relaxing task waits until another task ran
	bool lockdep = true;              // order/recursion/irq-safety checks on acquisitions
	bool trace = false;               // record a Trace (replay of a found schedule)
	std::size_t stack_size = 0;       // 0: default (larger under ASan)
};

// Describes the object of an operation for traces; installed by the program (mm knows what
// a pointer into a page-table page is, sim does not).
using Describer = std::string (*)(void* ctx, Op op, const void* obj);

class Engine {
public:
	explicit Engine(EngineOptions opt = {});
	~Engine();
	Engine(const Engine&) = delete;
	Engine& operator=(const Engine&) = delete;

	// The engine running on this thread, if any. Primitives act directly when there is none.
	static Engine* active();

	const EngineOptions& options() const { return opt_; }
	void set_options(const EngineOptions& o);
	void set_describer(Describer d, void* ctx);

	// Starts a schedule with `ntasks` CPUs named `names` (ids 0..ntasks-1).
	void begin_schedule(std::span<const std::string> names);
	// Runs `body(ctx, id)` for each task id in `ids` concurrently until all finish or a
	// violation stops the schedule. A single task runs inline on the caller's stack.
	// Returns false once the schedule has a violation.
	bool run_phase(std::span<const int> ids, void (*body)(void* ctx, int id), void* ctx,
		       Chooser& chooser);
	// Ends the schedule: runs pending RCU callbacks. Returns false on a violation.
	bool end_schedule();

	const std::optional<Violation>& violation() const { return violation_; }
	std::uint64_t steps() const { return step_; }
	Trace& trace() { return trace_; }
	Lockdep& lockdep() { return *lockdep_; }
	int ntasks() const { return ntasks_; }
	// How many schedules this engine has begun (1-based once one began).
	std::uint64_t schedule_number() const { return schedule_no_; }
	const Task& task(int id) const { return tasks_[static_cast<std::size_t>(id)]; }

	// ---- used by sim primitives (not by model code) ----
	Task* current() { return cur_; }
	// Announces the current task's next operation; returns when it may perform it.
	// Outside a task (no schedule running) returns at once.
	void point(Op op, WaitKind wait, const void* obj, std::uint64_t arg = 0);
	// True while RCU callbacks or IPI handlers run: they execute without scheduling points.
	bool in_handler() const { return handler_depth_ > 0; }
	void note_result(std::int64_t r);
	void note(std::string text);
	// Raises a finding: records it, stops the schedule, unwinds the calling task.
	[[noreturn]] void fail(Violation v);
	// Fills task, step and frames of `v` from the current task.
	Violation make_violation(ViolationKind k, std::string message);

	void reader_changed(Task& t, bool was_reader);
	void acquired(Task& t, LockBase& l, bool shared, int subclass, const LockBase* nest,
		      int class_id);
	void released(Task& t, LockBase& l);
	void might_sleep(const char* what);
	int choose(int n);
	// Names an object for reports: the program's describer, else a lock's class, else the address.
	std::string describe(Op op, const void* obj);

	// RCU and IPI bookkeeping (rcu.cpp, irq.cpp).
	void call_rcu(void (*fn)(void*), void* arg);
	void ipi_send(void (*fn)(void*, int), void* arg, bool include_self, TaskMask targets = ~TaskMask(0));
	void ipi_deliver_pending(Task& t);

private:
	friend struct EngineAccess;
	bool enabled(const Task& t) const;
	int choose_next(int current);
	void commit(int next, bool choice, bool preempt);
	void trace_step(const Task& t, bool choice, bool preempt);
	[[noreturn]] void fail_budget(Task& t);
	Context& start_next();
	void run_ready_callbacks(bool all);
	void task_exit_checks(Task& t);
	[[noreturn]] void leave_finished(Task& self);
	Violation deadlock_violation();
	static void fiber_main(Context* self);

	EngineOptions opt_;
	std::unique_ptr<StackPool> stacks_;
	std::unique_ptr<Lockdep> lockdep_;
	std::array<Task, kMaxTasks> tasks_{};
	int ntasks_ = 0;
	TaskMask phase_ = 0;       // tasks of the running phase
	Task* cur_ = nullptr;
	Context main_;
	Chooser* chooser_ = nullptr;
	void (*body_)(void*, int) = nullptr;
	void* body_ctx_ = nullptr;
	bool starting_ = false;    // tasks run to their first point, no decisions yet
	std::span<const int> start_ids_; // while starting: the phase's tasks, in start order
	std::size_t start_next_ = 0;     // while starting: index of the next to start
	bool inline_ = false;      // single-task phase on the caller's stack
	bool aborting_ = false;
	TaskMask enabled_mask_ = 0; // enabled set of the latest decision
	std::uint64_t schedule_no_ = 0;
	int last_task_ = -1;       // task of the latest committed step
	int handler_depth_ = 0;
	std::uint64_t step_ = 0;
	std::optional<Violation> violation_;
	Trace trace_;
	Describer describer_ = nullptr;
	void* describer_ctx_ = nullptr;

	struct RcuCallback {
		void (*fn)(void*);
		void* arg;
		std::uint64_t queued; // step of call_rcu
	};
	std::vector<RcuCallback> rcu_cbs_;
	std::vector<RcuCallback> rcu_ready_; // scratch, reused
};

// Announces an operation of the current task, if an engine runs one.
inline void point(Op op, WaitKind wait, const void* obj, std::uint64_t arg = 0)
{
	if (Engine* e = Engine::active())
		e->point(op, wait, obj, arg);
}

// A nondeterministic value in [0, n), chosen by the strategy (explored like an interleaving;
// e.g. whether a GFP_NOWAIT allocation fails). Without an engine: 0.
int choose(int n);
// Adds a free-text note to the current trace step (trace mode only).
void trace_note(const char* text);
// True when a trace is being recorded: build note texts only then.
bool tracing();
// Raises a finding from model or check code: inside a schedule it stops the schedule, with no
// engine it throws ViolationError.
[[noreturn]] void raise(ViolationKind kind, std::string message,
			std::vector<std::string> detail = {});
// The current task's id, or -1 outside a schedule.
int current_task_id();

} // namespace sim
