// The explore engine: fibers, scheduling points, enabledness, deadlock detection, budgets.
#include "sim/engine.hpp"

#include "sim/frame.hpp"
#include "sim/lockdep.hpp"
#include "sim/verify.hpp"

#include <bit>
#include <cstdio>

namespace sim {
namespace {

thread_local Engine* tls_engine = nullptr;

#ifdef MMCHECK_ASAN
constexpr std::size_t kDefaultStack = 1024 * 1024; // ASan frames are several times larger
#else
constexpr std::size_t kDefaultStack = 256 * 1024;
#endif

TaskMask bit(int id)
{
	return TaskMask(1) << id;
}

// More than one task in `m`. Not std::popcount(m) > 1: without -mpopcnt that is a libgcc call,
// and this is asked at every scheduling point.
bool several(TaskMask m)
{
	return (m & (m - 1)) != 0;
}

// Gives `t` the state of a fresh Task{} for a new schedule, keeping its name's buffer.
// Cheaper than `t = Task{}`, which builds and copies the whole ~1.7 KB Task (held[] and ipis[])
// per task per schedule: a third of a tiny schedule's cost. held[] and ipis[] are only read
// below nheld and nipis, so their stale entries need no clearing.
// Keep in step with struct Task: a new per-schedule field must be reset here too.
// The loops of Engine::enabled(), kept out of line so that enabled() itself stays small
// enough to inline into choose_next(), which asks it for every task at every point.
[[gnu::noinline]] bool writer_waiting(std::span<const Task> tasks, const LockBase* l)
{
	for (const Task& w : tasks)
		if (w.state == Task::State::at_point && w.wait == WaitKind::lock_excl && w.obj == l)
			return true;
	return false;
}

// A reader that began before the grace period `t` waits for (started at step t.arg).
[[gnu::noinline]] bool reader_blocks_gp(std::span<const Task> tasks, const Task& t)
{
	for (const Task& r : tasks)
		if (r.id != t.id && r.in_reader() && r.reader_since < t.arg)
			return true;
	return false;
}

void reset_task(Task& t, int id)
{
	t.id = id;
	t.state = Task::State::idle;
	t.op = Op::event;
	t.wait = WaitKind::none;
	t.obj = nullptr;
	t.arg = 0;
	t.frames = nullptr;
	t.nheld = 0;
	t.spin_depth = 0;
	t.irq_off = false;
	t.rcu_depth = 0;
	t.reader_since = 0;
	t.steps = 0;
	t.last_step = 0;
	t.relax_streak = 0;
	t.nipis = 0;
	t.ipi_unacked = 0;
	t.ctx = Context{};
	t.stack = nullptr;
}

std::string frames_text(const Frame* f)
{
	std::string s;
	for (; f; f = f->up) {
		if (!s.empty())
			s += " < ";
		s += f->name;
	}
	return s.empty() ? std::string("(no frame)") : s;
}

} // namespace

const char* Task::where() const
{
	return frames ? frames->name : "(no frame)";
}

Engine::Engine(EngineOptions opt)
	: opt_(opt), lockdep_(std::make_unique<Lockdep>())
{
	stacks_ = std::make_unique<StackPool>(opt_.stack_size ? opt_.stack_size : kDefaultStack);
	rcu_cbs_.reserve(64);
	rcu_ready_.reserve(64);
}

Engine::~Engine()
{
	if (tls_engine == this)
		tls_engine = nullptr;
}

Engine* Engine::active()
{
	return tls_engine;
}

void Engine::set_options(const EngineOptions& o)
{
	std::size_t old_stack = opt_.stack_size;
	opt_ = o;
	if (o.stack_size != old_stack)
		stacks_ = std::make_unique<StackPool>(o.stack_size ? o.stack_size : kDefaultStack);
}

void Engine::set_describer(Describer d, void* ctx)
{
	describer_ = d;
	describer_ctx_ = ctx;
}

void Engine::begin_schedule(std::span<const std::string> names)
{
	MMCHECK_VERIFY(names.size() <= static_cast<std::size_t>(kMaxTasks), "too many tasks");
	ntasks_ = static_cast<int>(names.size());
	for (int i = 0; i < ntasks_; ++i) {
		Task& t = tasks_[static_cast<std::size_t>(i)];
		reset_task(t, i);
		t.name.assign(names[static_cast<std::size_t>(i)]);
	}
	phase_ = 0;
	cur_ = nullptr;
	aborting_ = false;
	last_task_ = -1;
	step_ = 0;
	violation_.reset();
	rcu_cbs_.clear();
	++schedule_no_;
	lockdep_->set_schedule(schedule_no_);
	if (opt_.trace) {
		trace_.steps.clear();
		trace_.violation.reset();
		trace_.task_names.assign(names.begin(), names.end());
	}
}

bool Engine::run_phase(std::span<const int> ids, void (*body)(void*, int), void* ctx,
		       Chooser& chooser)
{
	if (violation_)
		return false;
	Engine* prev = tls_engine;
	tls_engine = this;
	chooser_ = &chooser;
	body_ = body;
	body_ctx_ = ctx;
	phase_ = 0;
	for (int id : ids) {
		MMCHECK_VERIFY(id >= 0 && id < ntasks_, "phase names an unknown task");
		phase_ |= bit(id);
	}

	if (ids.size() == 1) {
		// One task: nothing to interleave, so run it on our own stack.
		Task& t = tasks_[static_cast<std::size_t>(ids[0])];
		inline_ = true;
		cur_ = &t;
		t.state = Task::State::running;
		try {
			body(ctx, t.id);
			task_exit_checks(t);
		} catch (const Abort&) {
		}
		t.state = Task::State::finished;
		inline_ = false;
	} else {
		// Runs each task up to its first point (or to its end), in the order of `ids`;
		// the last one to stop comes back here.
		starting_ = true;
		start_ids_ = ids;
		start_next_ = 0;
		switch_context(main_, start_next());
		starting_ = false;
		int first = -1;
		try {
			first = choose_next(-1);
			if (first >= 0)
				commit(first, several(enabled_mask_), false);
		} catch (const Abort&) {
			// Deadlock before anyone moved: unwind every suspended task.
			first = -1;
			for (int id : ids)
				if (tasks_[static_cast<std::size_t>(id)].state == Task::State::at_point)
					first = id;
		}
		if (first >= 0) {
			cur_ = &tasks_[static_cast<std::size_t>(first)];
			switch_context(main_, cur_->ctx);
		}
		for (int id : ids) {
			Task& t = tasks_[static_cast<std::size_t>(id)];
			MMCHECK_VERIFY(t.state == Task::State::finished, "a task was left suspended");
			stacks_->put(t.stack);
			t.stack = nullptr;
		}
	}
	cur_ = nullptr;
	tls_engine = prev;
	return !violation_;
}

bool Engine::end_schedule()
{
	if (!violation_) {
		Engine* prev = tls_engine;
		tls_engine = this;
		try {
			if (!rcu_cbs_.empty())
				run_ready_callbacks(true);
		} catch (const Abort&) {
		}
		tls_engine = prev;
	}
	if (opt_.trace)
		trace_.violation = violation_;
	return !violation_;
}

// While starting, where a task goes when it stops at its first point or ends: straight on to
// the next task to start, not back to run_phase in between. Saves a fiber switch per task
// and schedule (a tenth of a tiny schedule's switches); the order tasks start in is unchanged.
Context& Engine::start_next()
{
	if (start_next_ == start_ids_.size())
		return main_;
	Task& t = tasks_[static_cast<std::size_t>(start_ids_[start_next_++])];
	t.stack = stacks_->get();
	make_context(t.ctx, t.stack, stacks_->stack_size(), &Engine::fiber_main);
	t.state = Task::State::running;
	cur_ = &t;
	return t.ctx;
}

void Engine::fiber_main(Context* self)
{
	Engine* e = tls_engine;
	Task& t = *e->cur_;
	MMCHECK_VERIFY(&t.ctx == self, "fiber started for the wrong task");
	try {
		e->body_(e->body_ctx_, t.id);
		e->task_exit_checks(t);
	} catch (const Abort&) {
	}
	t.state = Task::State::finished;
	e->leave_finished(t);
}

// A finished task hands the CPU on: to the next chosen task, to a suspended task that must
// unwind (after a violation), or back to run_phase when nobody is left.
void Engine::leave_finished(Task& self)
{
	for (;;) {
		int next = -1;
		try {
			if (starting_) {
				exit_to_context(start_next());
			} else if (aborting_) {
				for (int i = 0; i < ntasks_; ++i)
					if ((phase_ & bit(i)) &&
					    tasks_[static_cast<std::size_t>(i)].state ==
						    Task::State::at_point)
						next = i;
			} else {
				next = choose_next(-1);
				if (next >= 0)
					commit(next, several(enabled_mask_), false);
			}
		} catch (const Abort&) {
			continue; // a deadlock or budget finding: now aborting, unwind the rest
		}
		(void)self;
		if (next < 0)
			exit_to_context(main_);
		cur_ = &tasks_[static_cast<std::size_t>(next)];
		exit_to_context(cur_->ctx);
	}
}

void Engine::point(Op op, WaitKind wait, const void* obj, std::uint64_t arg)
{
	Task* self = cur_;
	if (self == nullptr || handler_depth_ > 0)
		return;
	if (aborting_)
		throw Abort{};
	self->op = op;
	self->wait = wait;
	self->obj = obj;
	self->arg = arg;
	if (starting_) {
		self->state = Task::State::at_point;
		switch_context(self->ctx, start_next());
	} else {
		self->state = Task::State::at_point;
		int current = (wait == WaitKind::none || enabled(*self)) ? self->id : -1;
		int next = choose_next(current);
		commit(next, several(enabled_mask_), current >= 0 && next != current);
		if (next != self->id) {
			cur_ = &tasks_[static_cast<std::size_t>(next)];
			switch_context(self->ctx, cur_->ctx);
		}
	}
	// Resumed because we were chosen (commit already counted our step), or to unwind.
	cur_ = self;
	if (aborting_)
		throw Abort{};
	self->state = Task::State::running;
}

bool Engine::enabled(const Task& t) const
{
	switch (t.wait) {
	case WaitKind::none:
		return true;
	case WaitKind::lock_excl: {
		const auto* l = static_cast<const LockBase*>(t.obj);
		return !l->held();
	}
	case WaitKind::lock_unlocked:
		return !static_cast<const LockBase*>(t.obj)->held();
	case WaitKind::lock_shared: {
		const auto* l = static_cast<const LockBase*>(t.obj);
		if (l->owner >= 0)
			return false;
		if (l->readers == 0)
			return true;
		// Writer preference: a writer already blocked on it holds new readers off.
		return !writer_waiting({tasks_.data(), static_cast<std::size_t>(ntasks_)}, l);
	}
	case WaitKind::seq_even:
		return (*static_cast<const unsigned*>(t.obj) & 1u) == 0;
	case WaitKind::rcu_gp:
		return !reader_blocks_gp({tasks_.data(), static_cast<std::size_t>(ntasks_)}, t);
	case WaitKind::ipi:
		return t.ipi_unacked == 0;
	case WaitKind::relax:
		// Someone else ran since our last step, so retrying may now succeed.
		return !opt_.fair_relax || step_ > t.arg;
	}
	return true;
}

int Engine::choose_next(int current)
{
	if (!rcu_cbs_.empty())
		run_ready_callbacks(false);
	TaskMask live = 0;
	TaskMask en = 0;
	TaskMask relaxing = 0;
	// Only the tasks of the phase, lowest id first (the order of a 0..ntasks_ scan).
	for (TaskMask m = phase_; m != 0; m &= m - 1) {
		const int i = std::countr_zero(m);
		const Task& t = tasks_[static_cast<std::size_t>(i)];
		if (t.state != Task::State::at_point)
			continue;
		live |= bit(i);
		if (t.wait == WaitKind::relax && opt_.fair_relax) {
			relaxing |= bit(i);
			if (step_ > t.arg)
				en |= bit(i);
		} else if (t.wait == WaitKind::none || enabled(t)) { // no call for most points
			en |= bit(i);
		}
	}
	// A relaxing task alone may spin: that is how an unbounded retry shows itself.
	if (en == 0)
		en = relaxing;
	enabled_mask_ = en;
	if (live == 0)
		return -1;
	if (en == 0)
		fail(deadlock_violation());
	if (!several(en))
		return std::countr_zero(en);
	ChoicePoint cp;
	cp.enabled = en;
	cp.current = (current >= 0 && (en & bit(current))) ? current : -1;
	cp.step = step_;
	int pick = chooser_->pick_task(cp);
	MMCHECK_VERIFY(pick >= 0 && pick < kMaxTasks && (en & bit(pick)),
		       "the strategy picked a task that cannot run");
	return pick;
}

void Engine::commit(int next, bool choice, bool preempt)
{
	Task& t = tasks_[static_cast<std::size_t>(next)];
	++step_;
	++t.steps;
	if (last_task_ != next)
		t.relax_streak = 0;
	last_task_ = next;
	t.last_step = step_;
	if (opt_.trace) [[unlikely]]
		trace_step(t, choice, preempt);
	if (step_ > opt_.max_steps || (t.op == Op::cpu_relax && ++t.relax_streak > opt_.max_relax))
		[[unlikely]]
		fail_budget(t);
}

// Out of line, like fail_budget(): commit() runs at every point, and keeping the string work
// out of it keeps its prologue small.
void Engine::trace_step(const Task& t, bool choice, bool preempt)
{
	TraceStep s;
	s.step = step_;
	s.task = t.id;
	s.op = t.op;
	s.object = describe(t.op, t.obj);
	for (const Frame* f = t.frames; f; f = f->up)
		s.frames.push_back(f->name);
	s.choice = choice;
	s.preempted = preempt;
	trace_.steps.push_back(std::move(s));
}

// The step budget, or else the relax budget (commit() counted the streak), of `t` ran out at
// its latest step.
void Engine::fail_budget(Task& t)
{
	Task* saved = cur_;
	cur_ = &t;
	Violation v =
		step_ > opt_.max_steps
			? make_violation(ViolationKind::step_budget,
					 "schedule exceeded " + std::to_string(opt_.max_steps) +
						 " steps: possible livelock; " + t.name + " was in " +
						 frames_text(t.frames))
			: make_violation(ViolationKind::livelock,
					 t.name + " retried " + std::to_string(opt_.max_relax) +
						 " times while no other task could make progress, in " +
						 frames_text(t.frames));
	cur_ = saved;
	fail(std::move(v));
}

std::string Engine::describe(Op op, const void* obj)
{
	if (describer_) {
		std::string s = describer_(describer_ctx_, op, obj);
		if (!s.empty())
			return s;
	}
	switch (op) {
	case Op::spin_lock: case Op::spin_trylock: case Op::spin_unlock:
	case Op::mutex_lock: case Op::mutex_trylock: case Op::mutex_unlock:
	case Op::down_read: case Op::down_read_trylock: case Op::up_read:
	case Op::down_write: case Op::down_write_trylock: case Op::up_write:
	case Op::bit_lock: case Op::bit_trylock: case Op::bit_unlock: case Op::bit_wait:
		return static_cast<const LockBase*>(obj)->name();
	case Op::ipi_send: // the object is the handler, a code address: meaningless in a trace
		return "to the other CPUs";
	case Op::ipi_wait: // the object is the sending task
		return "for the other CPUs";
	default:
		break;
	}
	if (obj == nullptr)
		return {};
	char buf[32];
	std::snprintf(buf, sizeof buf, "%p", obj);
	return buf;
}

void Engine::note_result(std::int64_t r)
{
	if (opt_.trace && cur_ && handler_depth_ == 0 && !trace_.steps.empty() &&
	    trace_.steps.back().task == cur_->id) {
		trace_.steps.back().result = r;
		trace_.steps.back().has_result = true;
	}
}

void Engine::note(std::string text)
{
	if (opt_.trace && cur_ && !trace_.steps.empty() && trace_.steps.back().task == cur_->id) {
		std::string& n = trace_.steps.back().note;
		if (!n.empty())
			n += "; ";
		n += text;
	}
}

Violation Engine::make_violation(ViolationKind k, std::string message)
{
	Violation v;
	v.kind = k;
	v.message = std::move(message);
	v.step = step_;
	if (cur_) {
		v.task = cur_->id;
		for (const Frame* f = cur_->frames; f; f = f->up)
			v.frames.emplace_back(f->name);
	}
	return v;
}

void Engine::fail(Violation v)
{
	if (!violation_)
		violation_ = std::move(v);
	aborting_ = true;
	throw Abort{};
}

Violation Engine::deadlock_violation()
{
	// Wait-for graph: a blocked task waits for the holders of what it wants.
	auto holders = [&](const Task& t) -> TaskMask {
		switch (t.wait) {
		case WaitKind::lock_excl:
		case WaitKind::lock_shared:
		case WaitKind::lock_unlocked: {
			const auto* l = static_cast<const LockBase*>(t.obj);
			TaskMask m = l->readers;
			if (l->owner >= 0)
				m |= bit(l->owner);
			if (t.wait == WaitKind::lock_shared && m == 0) {
				for (int i = 0; i < ntasks_; ++i) {
					const Task& w = tasks_[static_cast<std::size_t>(i)];
					if (w.state == Task::State::at_point &&
					    w.wait == WaitKind::lock_excl && w.obj == l)
						m |= bit(i);
				}
			}
			return m & ~bit(t.id);
		}
		case WaitKind::rcu_gp: {
			TaskMask m = 0;
			for (int i = 0; i < ntasks_; ++i) {
				const Task& r = tasks_[static_cast<std::size_t>(i)];
				if (i != t.id && r.in_reader() && r.reader_since < t.arg)
					m |= bit(i);
			}
			return m;
		}
		case WaitKind::ipi: {
			TaskMask m = 0;
			for (int i = 0; i < ntasks_; ++i) {
				const Task& c = tasks_[static_cast<std::size_t>(i)];
				for (int k = 0; k < c.nipis; ++k)
					if (c.ipis[static_cast<std::size_t>(k)].sender == t.id)
						m |= bit(i);
			}
			return m;
		}
		default:
			return 0;
		}
	};
	auto wants = [&](const Task& t) {
		std::string s = std::string(op_name(t.op));
		if (t.wait == WaitKind::lock_excl || t.wait == WaitKind::lock_shared ||
		    t.wait == WaitKind::lock_unlocked)
			s += std::string("(") + describe(t.op, t.obj) + ")";
		return s;
	};
	Violation v;
	v.kind = ViolationKind::deadlock;
	v.step = step_;
	// Follow the first holder from each blocked task until a task repeats: that is the cycle.
	int start = -1;
	for (int i = 0; i < ntasks_ && start < 0; ++i)
		if ((phase_ & bit(i)) && tasks_[static_cast<std::size_t>(i)].state == Task::State::at_point)
			start = i;
	std::vector<int> path;
	TaskMask seen = 0;
	int cur = start;
	while (cur >= 0 && !(seen & bit(cur))) {
		seen |= bit(cur);
		path.push_back(cur);
		TaskMask h = holders(tasks_[static_cast<std::size_t>(cur)]);
		cur = h ? std::countr_zero(h) : -1;
	}
	std::size_t from = 0;
	if (cur >= 0)
		while (path[from] != cur)
			++from;
	std::string names;
	for (std::size_t i = from; i < path.size(); ++i) {
		const Task& t = tasks_[static_cast<std::size_t>(path[i])];
		names += (names.empty() ? "" : " -> ") + t.name;
		TaskMask h = holders(t);
		std::string line = t.name + " waits in " + frames_text(t.frames) + " for " + wants(t);
		if (h) {
			const Task& o = tasks_[static_cast<std::size_t>(std::countr_zero(h))];
			line += ", held by " + o.name;
			for (int k = 0; k < o.nheld; ++k)
				if (o.held[static_cast<std::size_t>(k)].lock == t.obj)
					line += std::string(" (taken in ") +
						(o.held[static_cast<std::size_t>(k)].where
							 ? o.held[static_cast<std::size_t>(k)].where
							 : "?") + ")";
		}
		v.detail.push_back(std::move(line));
	}
	if (cur >= 0) {
		v.message = "deadlock: " + names + " -> " +
			    tasks_[static_cast<std::size_t>(cur)].name + " wait for each other";
	} else {
		v.message = "deadlock: every task is blocked";
	}
	if (start >= 0)
		v.task = start;
	return v;
}

void Engine::task_exit_checks(Task& t)
{
	if (t.nheld == 0 && !t.irq_off && t.rcu_depth == 0)
		return; // the common case, before any of the string work below
	if (t.nheld > 0) {
		const HeldLock& h = t.held[0];
		fail(make_violation(ViolationKind::task_leaked_lock,
				    t.name + " finished holding " + h.lock->name() + " (taken in " +
					    (h.where ? h.where : "?") + ")"));
	}
	if (t.irq_off)
		fail(make_violation(ViolationKind::task_leaked_lock,
				    t.name + " finished with IRQs disabled"));
	if (t.rcu_depth > 0)
		fail(make_violation(ViolationKind::task_leaked_lock,
				    t.name + " finished inside an RCU read-side section"));
}

void Engine::reader_changed(Task& t, bool was_reader)
{
	bool now = t.in_reader();
	if (now && !was_reader)
		t.reader_since = step_;
}

void Engine::acquired(Task& t, LockBase& l, bool shared, int subclass, const LockBase* nest,
		      int class_id)
{
	MMCHECK_VERIFY(t.nheld < kMaxHeld, "a task holds too many locks");
	HeldLock& h = t.held[static_cast<std::size_t>(t.nheld++)];
	h.lock = &l;
	h.shared = shared;
	h.subclass = subclass;
	h.class_id = class_id;
	h.nest = nest;
	h.step = step_;
	h.where = t.where();
	if (shared)
		l.readers |= bit(t.id);
	else
		l.owner = t.id;
}

void Engine::released(Task& t, LockBase& l)
{
	for (int i = t.nheld - 1; i >= 0; --i) {
		if (t.held[static_cast<std::size_t>(i)].lock != &l)
			continue;
		if (t.held[static_cast<std::size_t>(i)].shared)
			l.readers &= ~bit(t.id);
		else
			l.owner = -1;
		for (int k = i; k + 1 < t.nheld; ++k)
			t.held[static_cast<std::size_t>(k)] = t.held[static_cast<std::size_t>(k + 1)];
		--t.nheld;
		return;
	}
	fail(make_violation(ViolationKind::bad_unlock,
			    t.name + " releases " + l.name() + " which it does not hold"));
}

void Engine::might_sleep(const char* what)
{
	Task* t = cur_;
	if (t == nullptr || handler_depth_ > 0)
		return;
	const char* why = nullptr;
	std::string holding;
	if (t->spin_depth > 0) {
		why = "holding a spinlock";
		for (int i = t->nheld - 1; i >= 0; --i) {
			const HeldLock& h = t->held[static_cast<std::size_t>(i)];
			// Spinlocks are what set spin_depth; name the innermost one.
			if (h.lock && h.where && holding.empty())
				holding = std::string(h.lock->name()) + " taken in " + h.where;
		}
	} else if (t->irq_off) {
		why = "with IRQs disabled";
	} else if (t->rcu_depth > 0) {
		why = "inside an RCU read-side critical section";
	}
	if (why == nullptr)
		return;
	Violation v = make_violation(ViolationKind::might_sleep,
				     std::string("BUG: sleeping function called from invalid context: ") +
					     what + " " + why);
	if (!holding.empty())
		v.detail.push_back("innermost lock held: " + holding);
	fail(std::move(v));
}

int Engine::choose(int n)
{
	Task* t = cur_;
	if (t == nullptr || n <= 1 || handler_depth_ > 0)
		return 0;
	point(Op::choose, WaitKind::none, nullptr, static_cast<std::uint64_t>(n));
	int v = chooser_->pick_value(n, step_);
	MMCHECK_VERIFY(v >= 0 && v < n, "the strategy chose a value out of range");
	note_result(v);
	return v;
}

void Engine::run_ready_callbacks(bool all)
{
	// Ready: no reader that began before the callback was queued is still running. Callbacks
	// may queue more (an RCU-freed object freeing another), so take the ready ones out first.
	do {
		rcu_ready_.clear();
		std::size_t kept = 0;
		for (const RcuCallback& cb : rcu_cbs_) {
			bool ready = true;
			for (int k = 0; k < ntasks_ && !all; ++k) {
				const Task& r = tasks_[static_cast<std::size_t>(k)];
				if (r.in_reader() && r.reader_since < cb.queued) {
					ready = false;
					break;
				}
			}
			if (ready)
				rcu_ready_.push_back(cb);
			else
				rcu_cbs_[kept++] = cb;
		}
		rcu_cbs_.resize(kept);
		++handler_depth_;
		try {
			for (const RcuCallback& cb : rcu_ready_)
				cb.fn(cb.arg);
		} catch (...) {
			--handler_depth_;
			throw;
		}
		--handler_depth_;
	} while (all && !rcu_cbs_.empty());
}

void Engine::call_rcu(void (*fn)(void*), void* arg)
{
	rcu_cbs_.push_back(RcuCallback{fn, arg, step_});
}

// ---- free functions ----

int choose(int n)
{
	Engine* e = Engine::active();
	return e ? e->choose(n) : 0;
}

void trace_note(const char* text)
{
	if (Engine* e = Engine::active())
		e->note(text);
}

bool tracing()
{
	Engine* e = Engine::active();
	return e != nullptr && e->options().trace;
}

void raise(ViolationKind kind, std::string message, std::vector<std::string> detail)
{
	Engine* e = Engine::active();
	if (e && e->current()) {
		Violation v = e->make_violation(kind, std::move(message));
		v.detail = std::move(detail);
		e->fail(std::move(v));
	}
	Violation v;
	v.kind = kind;
	v.message = std::move(message);
	v.detail = std::move(detail);
	throw ViolationError(std::move(v));
}

int current_task_id()
{
	Engine* e = Engine::active();
	return (e && e->current()) ? e->current()->id : -1;
}

} // namespace sim
