// rcu-use-after-free: RCU keeps an object alive only for readers whose section began before
// the free was queued, and only until they leave it. P0 keeps using its pointer after
// rcu_read_unlock():
//
//   P0                              P1
//   rcu_read_lock()
//   p = READ_ONCE(ptr)
//   rcu_read_unlock()
//                                   old = xchg(ptr, NULL)
//                                   call_rcu(free old)   <-- no reader left: freed at once
//   p->data                         <-- use-after-free
#include "demo/programs.hpp"

#include "sim/sim.hpp"

namespace demo {
namespace {

class RcuUseAfterFree final : public explore::Program {
public:
	std::string name() const override { return "rcu-use-after-free"; }
	int num_tasks() const override { return 2; }
	void setup() override
	{
		w_ = std::make_unique<World>();
		w_->ptr.init(&w_->obj);
	}
	void run(int i) override
	{
		if (i == 0)
			reader();
		else
			retire();
	}
	void teardown() override { w_.reset(); }
	std::string describe(sim::Op, const void* obj) const override
	{
		if (!w_)
			return "";
		if (obj == &w_->ptr)
			return "ptr";
		if (obj == &w_->obj || obj == &w_->obj.data)
			return "obj";
		return "";
	}

private:
	struct Obj {
		sim::Lifetime lt;
		sim::Atomic<int> data{42};
	};
	struct World {
		Obj obj;
		sim::Atomic<Obj*> ptr{nullptr};
	};

	void reader()
	{
		MM_FRAME("reader");
		sim::rcu_read_lock();
		Obj* p = w_->ptr.load();
		if (p) {
			sim::lifetime_check(p->lt, p, "p->data inside the reader");
			p->data.load();
		}
		sim::rcu_read_unlock();
		if (p) {
			// The bug: the reader section that protected p is over.
			sim::lifetime_check(p->lt, p, "p->data after rcu_read_unlock()");
			p->data.load();
		}
	}

	void retire()
	{
		MM_FRAME("retire_object");
		Obj* old = w_->ptr.xchg(nullptr);
		if (old)
			sim::lifetime_free_rcu(old->lt, old);
	}

	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_rcu_use_after_free()
{
	return std::make_unique<RcuUseAfterFree>();
}

} // namespace demo
