// abba-deadlock: two lock classes taken in both orders. lockdep reports the inversion on the
// first schedule that has seen both orders; the deadlock itself needs P0 and P1 to each get
// their first lock before either gets its second:
//
//   P0                    P1
//   spin_lock(lock_a)
//                         spin_lock(lock_b)
//   spin_lock(lock_b)     spin_lock(lock_a)    <-- each waits for the other
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

constexpr sim::LockClass lock_a_class{"lock_a"};
constexpr sim::LockClass lock_b_class{"lock_b"};

class AbbaDeadlock final : public explore::Program {
public:
	std::string name() const override { return "abba-deadlock"; }
	int num_tasks() const override { return 2; }
	void setup() override { w_ = std::make_unique<World>(); }
	void run(int i) override
	{
		if (i == 0) {
			MM_FRAME("take_a_then_b");
			take(w_->a, w_->b);
		} else {
			MM_FRAME("take_b_then_a");
			take(w_->b, w_->a);
		}
	}
	void teardown() override { w_.reset(); }

private:
	static void take(sim::SpinLock& first, sim::SpinLock& second)
	{
		first.lock();
		second.lock();
		second.unlock();
		first.unlock();
	}
	struct World {
		sim::SpinLock a{&lock_a_class};
		sim::SpinLock b{&lock_b_class};
	};
	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_abba_deadlock()
{
	return std::make_unique<AbbaDeadlock>();
}

} // namespace demo
