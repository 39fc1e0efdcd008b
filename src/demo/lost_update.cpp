// lost-update: the textbook race. Both tasks read the counter, then both write back their
// value plus one; one increment is lost:
//
//   P0                          P1
//   v = READ_ONCE(counter) = 0
//                               v = READ_ONCE(counter) = 0
//   WRITE_ONCE(counter, 1)
//                               WRITE_ONCE(counter, 1)    <-- counter is 1, not 2
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

class LostUpdate final : public explore::Program {
public:
	std::string name() const override { return "lost-update"; }
	int num_tasks() const override { return 2; }
	void setup() override
	{
		w_ = std::make_unique<World>();
	}
	void run(int) override
	{
		MM_FRAME("counter_inc");
		int v = w_->counter.load();
		w_->counter.store(v + 1);
	}
	void check() override
	{
		MM_FRAME("check_counter");
		int v = w_->counter.peek();
		if (v != 2)
			sim::raise(sim::ViolationKind::assertion,
			           "lost update: counter is " + std::to_string(v) + ", expected 2",
			           {"each task did READ_ONCE then WRITE_ONCE(v + 1); a store "
			            "overwrote the other task's increment"});
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

std::unique_ptr<explore::Program> make_lost_update()
{
	return std::make_unique<LostUpdate>();
}

} // namespace demo
