// Retry loops: fair cpu_relax() lets a retry wait for others; a retry that can spin forever
// is reported by the retry and step budgets.
#include "harness.hpp"

#include <gtest/gtest.h>

using simtest::World;

namespace {

constexpr sim::LockClass l_class{"L"};
constexpr sim::LockClass m_class{"M"};

// A holds M and retries trylock(L); B holds L and blocks on M. No deadlock is possible (A never
// blocks), but A can retry forever: reported, naming A and where it loops.
TEST(Livelock, TrylockRetryThatCanSpinForeverIsReported)
{
	sim::Mutex m{&m_class};
	sim::Mutex l{&l_class};
	World w;
	w.setup = [&] { m.owner = l.owner = -1; };
	w.tasks = {[&] {
			   MM_FRAME("retry_loop");
			   m.lock();
			   while (!l.trylock())
				   sim::cpu_relax();
			   l.unlock();
			   m.unlock();
		   },
		   [&] {
			   l.lock();
			   m.lock();
			   m.unlock();
			   l.unlock();
		   }};
	auto r = simtest::explore_all(w);
	ASSERT_TRUE(r.found(sim::ViolationKind::livelock));
	for (const auto& v : r.violations) {
		if (v.kind != sim::ViolationKind::livelock)
			continue;
		EXPECT_EQ(v.task, 0);
		EXPECT_NE(v.message.find("retry_loop"), std::string::npos) << v.message;
	}
}

// The same loop against a holder that always makes progress terminates in every schedule:
// fair relaxing lets the holder run instead of spinning the retrier.
TEST(Livelock, TrylockRetryAgainstAProgressingHolderIsClean)
{
	sim::SpinLock l{&l_class};
	World w;
	w.setup = [&] { l.owner = -1; };
	w.tasks = {[&] {
			   while (!l.trylock())
				   sim::cpu_relax();
			   l.unlock();
		   },
		   [&] {
			   l.lock();
			   l.unlock();
		   }};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
}

// A spin without cpu_relax is caught by the per-schedule step budget.
TEST(Livelock, SpinWithoutRelaxHitsTheStepBudget)
{
	sim::SpinLock l{&l_class};
	World w;
	w.opt.max_steps = 500;
	w.setup = [&] { l.owner = -1; };
	w.tasks = {[&] {
			   while (!l.trylock()) {
			   }
			   l.unlock();
		   },
		   [&] {
			   l.lock();
			   l.unlock();
		   }};
	// P1 takes L first; from then on the chooser always runs P0, which spins.
	sim::Engine e(w.opt);
	struct Spin : sim::Chooser {
		int pick_task(const sim::ChoicePoint& cp) override
		{
			return (cp.step == 0 && (cp.enabled & 2u)) ? 1 : (cp.enabled & 1u) ? 0 : 1;
		}
		int pick_value(int, std::uint64_t) override { return 0; }
	} spin;
	simtest::run_one(e, w, spin);
	ASSERT_TRUE(e.violation());
	EXPECT_EQ(e.violation()->kind, sim::ViolationKind::step_budget);
}

} // namespace
