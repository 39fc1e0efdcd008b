// The explorer loop (explorer.hpp). One schedule is: setup() alone as pseudo-task "init",
// the tasks concurrently, check() alone, end of schedule, teardown(). Nothing here allocates
// per schedule once the first schedule has sized the reused vectors.
#include "explore/explorer.hpp"

#include "explore/replay.hpp"
#include "sim/verify.hpp"

#include <chrono>

namespace explore {
namespace {

// Forwards every decision to the strategy and records it, so a failing schedule can be
// handed back as a token whichever strategy found it.
class Recorder final : public sim::Chooser {
public:
	Recorder(Strategy& s, Schedule& rec) : s_(s), rec_(rec) {}

	int pick_task(const sim::ChoicePoint& cp) override
	{
		const int t = s_.pick_task(cp);
		MMCHECK_VERIFY(t >= 0 && t < sim::kMaxTasks && ((cp.enabled >> t) & 1u) != 0,
		               "strategy picked a task that cannot run");
		rec_.decisions.push_back({false, static_cast<std::uint8_t>(t)});
		return t;
	}

	int pick_value(int n, std::uint64_t step) override
	{
		const int v = s_.pick_value(n, step);
		MMCHECK_VERIFY(v >= 0 && v < n, "strategy chose a value out of range");
		MMCHECK_VERIFY(v < 256, "choose() value too large to record");
		rec_.decisions.push_back({true, static_cast<std::uint8_t>(v)});
		return v;
	}

private:
	Strategy& s_;
	Schedule& rec_;
};

void setup_body(void* p, int)
{
	static_cast<Program*>(p)->setup();
}
void task_body(void* p, int id)
{
	static_cast<Program*>(p)->run(id);
}
void check_body(void* p, int)
{
	static_cast<Program*>(p)->check();
}

std::string describe_thunk(void* p, sim::Op op, const void* obj)
{
	return static_cast<const Program*>(p)->describe(op, obj);
}

// teardown() runs after every schedule, whether it ended cleanly, in a violation or by an
// exception escaping the engine.
struct TeardownGuard {
	Program& p;
	~TeardownGuard() { p.teardown(); }
};

// The describer points into the program: remove it before the program can go away.
struct DescriberGuard {
	sim::Engine& e;
	~DescriberGuard() { e.set_describer(nullptr, nullptr); }
};

double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

Explorer::Explorer(ExploreOptions opt) : opt_(std::move(opt)), engine_(opt_.engine) {}

std::uint32_t Explorer::program_key(const Program& p)
{
	// FNV-1a, 32 bit: stable across builds and platforms, unlike std::hash.
	std::uint32_t h = 2166136261u;
	auto mix = [&h](unsigned char c) {
		h ^= c;
		h *= 16777619u;
	};
	for (const char c : p.name())
		mix(static_cast<unsigned char>(c));
	mix(0); // separates the name from the count: "a"+12 differs from "a1"+2
	const auto n = static_cast<std::uint32_t>(p.num_tasks());
	for (int shift = 0; shift < 32; shift += 8)
		mix(static_cast<unsigned char>(n >> shift));
	// Only when set, so programs without a variant keep their keys.
	for (const char c : p.variant())
		mix(static_cast<unsigned char>(c));
	return h;
}

void Explorer::prepare(Program& p)
{
	const int n = p.num_tasks();
	if (n < 1 || n >= sim::kMaxTasks)
		throw std::invalid_argument("program '" + p.name() + "' has " + std::to_string(n) +
		                            " tasks (expected 1 to " +
		                            std::to_string(sim::kMaxTasks - 1) + ")");
	names_.clear();
	task_ids_.clear();
	for (int i = 0; i < n; ++i) {
		names_.push_back(p.task_name(i));
		task_ids_.push_back(i);
	}
	names_.push_back("init");
	engine_.set_describer(describe_thunk, &p);
}

bool Explorer::run_schedule(Program& p, Strategy& s, Schedule& rec)
{
	rec.decisions.clear();
	Recorder chooser(s, rec);
	const int init[] = {static_cast<int>(task_ids_.size())};
	engine_.begin_schedule(names_);
	{
		TeardownGuard guard{p};
		bool ok = engine_.run_phase(init, setup_body, &p, chooser);
		ok = ok && engine_.run_phase(task_ids_, task_body, &p, chooser);
		ok = ok && engine_.run_phase(init, check_body, &p, chooser);
		ok = engine_.end_schedule() && ok;
		// Read the final state while the world still exists.
		outcome_.clear();
		witness_.reset();
		if (ok) {
			outcome_ = p.outcome();
			witness_ = p.witness();
		}
	}
	const bool violation = engine_.violation().has_value();
	s.end_schedule({engine_.steps(), violation});
	return violation;
}

ExploreResult Explorer::explore(Program& p)
{
	const auto s = make_strategy(opt_);
	return explore(p, *s);
}

ExploreResult Explorer::explore(Program& p, Strategy& s)
{
	ExploreResult r;
	prepare(p);
	DescriberGuard dguard{engine_};
	const auto t0 = std::chrono::steady_clock::now();
	Schedule rec;
	for (;;) {
		// Ask the strategy first: a search that ends exactly at max_schedules is exhausted.
		if (!s.begin_schedule()) {
			r.exhausted = s.exhausted();
			break;
		}
		if (opt_.max_schedules != 0 && r.schedules >= opt_.max_schedules)
			break;
		const bool violation = run_schedule(p, s, rec);
		++r.schedules;
		r.steps += engine_.steps();
		if (violation) {
			const sim::Violation& v = *engine_.violation();
			++r.schedules_with_violation;
			++r.violations[std::string(sim::violation_name(v.kind))];
			if (!r.first)
				r.first = Found{v, rec, r.schedules};
		} else {
			// Only clean runs: after a violation the final state is not meaningful.
			if (!outcome_.empty())
				++r.outcomes[outcome_];
			if (witness_)
				++(*witness_ ? r.witnesses_positive : r.witnesses_negative);
		}
		if (violation && opt_.stop_on_violation)
			break;
		if (opt_.max_seconds > 0 && seconds_since(t0) >= opt_.max_seconds)
			break;
	}
	r.seconds = seconds_since(t0);
	return r;
}

sim::Trace Explorer::replay(Program& p, const Schedule& s)
{
	const sim::EngineOptions saved = engine_.options();
	struct OptionsGuard {
		sim::Engine& e;
		const sim::EngineOptions& o;
		~OptionsGuard() { e.set_options(o); }
	} oguard{engine_, saved};
	sim::EngineOptions traced = saved;
	traced.trace = true;
	engine_.set_options(traced);

	prepare(p);
	DescriberGuard dguard{engine_};
	ReplayStrategy strategy(s);
	strategy.begin_schedule();
	Schedule rec;
	run_schedule(p, strategy, rec);
	if (!strategy.mismatch().empty())
		throw ReplayMismatch(strategy.mismatch());

	sim::Trace t = engine_.trace();
	if (t.task_names.empty())
		t.task_names = names_;
	t.setup_task = static_cast<int>(task_ids_.size());
	if (!t.violation)
		t.violation = engine_.violation();
	return t;
}

} // namespace explore
