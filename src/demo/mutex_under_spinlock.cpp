// mutex-under-spinlock: mutex_lock() may sleep, and sleeping with a spinlock held (preemption
// off) is a bug whether or not the mutex is contended in this schedule. might_sleep() catches
// it on every schedule; P1 is there so the mutex could in principle be contended.
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

constexpr sim::LockClass demo_spinlock_class{"demo_spinlock"};
constexpr sim::LockClass demo_mutex_class{"demo_mutex"};

class MutexUnderSpinlock final : public explore::Program {
public:
	std::string name() const override { return "mutex-under-spinlock"; }
	int num_tasks() const override { return 2; }
	void setup() override { w_ = std::make_unique<World>(); }
	void run(int i) override
	{
		if (i == 0) {
			MM_FRAME("sleep_under_spinlock");
			w_->spin.lock();
			w_->mutex.lock();
			w_->mutex.unlock();
			w_->spin.unlock();
		} else {
			MM_FRAME("mutex_user");
			w_->mutex.lock();
			w_->mutex.unlock();
		}
	}
	void teardown() override { w_.reset(); }

private:
	struct World {
		sim::SpinLock spin{&demo_spinlock_class};
		sim::Mutex mutex{&demo_mutex_class};
	};
	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_mutex_under_spinlock()
{
	return std::make_unique<MutexUnderSpinlock>();
}

} // namespace demo
