// atomic-counter: lost-update done right. atomic_fetch_add is one indivisible step, so no
// schedule loses an increment; the run must stay clean.
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

class AtomicCounter final : public explore::Program {
public:
	std::string name() const override { return "atomic-counter"; }
	int num_tasks() const override { return 2; }
	void setup() override
	{
		w_ = std::make_unique<World>();
	}
	void run(int) override
	{
		MM_FRAME("counter_inc");
		w_->counter.fetch_add(1);
	}
	void check() override
	{
		MM_FRAME("check_counter");
		int v = w_->counter.peek();
		if (v != 2)
			sim::raise(sim::ViolationKind::assertion,
			           "counter is " + std::to_string(v) + ", expected 2");
	}
	void teardown() override { w_.reset(); }
	std::string outcome() const override
	{
		return "counter=" + std::to_string(w_->counter.peek());
	}
	std::string describe(sim::Op, const void* obj) const override
	{
		return w_ && obj == &w_->counter ? "counter" : "";
	}

private:
	struct World {
		sim::Atomic<int> counter{0};
	};
	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_atomic_counter()
{
	return std::make_unique<AtomicCounter>();
}

} // namespace demo
