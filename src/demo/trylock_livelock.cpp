// trylock-livelock: a spin_trylock() retry loop is only safe if the holder can make progress.
// Here the holder of lock_a waits for lock_b, which the looper holds: no deadlock in the
// wait-for sense (the looper stays runnable), and lockdep is silent because trylocks do not
// order locks, yet P1 retries forever:
//
//   P0                      P1
//   spin_lock(lock_a)
//                           spin_lock(lock_b)
//   spin_lock(lock_b)       while (!spin_trylock(lock_a))
//     (waits)                       cpu_relax();       <-- unbounded retry
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

constexpr sim::LockClass lock_a_class{"lock_a"};
constexpr sim::LockClass lock_b_class{"lock_b"};

class TrylockLivelock final : public explore::Program {
public:
	std::string name() const override { return "trylock-livelock"; }
	int num_tasks() const override { return 2; }
	void setup() override { w_ = std::make_unique<World>(); }
	void run(int i) override
	{
		if (i == 0) {
			MM_FRAME("lock_a_then_b");
			w_->a.lock();
			w_->b.lock();
			w_->b.unlock();
			w_->a.unlock();
		} else {
			MM_FRAME("lock_b_then_trylock_a");
			w_->b.lock();
			while (!w_->a.trylock())
				sim::cpu_relax();
			w_->a.unlock();
			w_->b.unlock();
		}
	}
	void teardown() override { w_.reset(); }

private:
	struct World {
		sim::SpinLock a{&lock_a_class};
		sim::SpinLock b{&lock_b_class};
	};
	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_trylock_livelock()
{
	return std::make_unique<TrylockLivelock>();
}

} // namespace demo
