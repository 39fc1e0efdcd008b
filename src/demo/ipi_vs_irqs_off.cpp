// ipi-vs-irqs-off: why an IRQs-off section excludes an IPI. The handler can run on CPU0 only
// while CPU0 has IRQs on, and smp_call_function() returns only after it ran there, so a
// sender that returned knows CPU0 left any IRQs-off section it was in (old x86 GUP-fast
// against the IPI TLB flush):
//
//   P0                          P1
//   local_irq_disable()
//                               smp_call_function(handler)   <-- waits
//   WRITE_ONCE(data, 1)
//   local_irq_enable()          (handler runs on CPU0 here, P1 goes on)
#include "demo/programs.hpp"

#include "sim/sim.hpp"

#include <array>

namespace demo {
namespace {

class IpiVsIrqsOff final : public explore::Program {
public:
	std::string name() const override { return "ipi-vs-irqs-off"; }
	int num_tasks() const override { return 2; }
	void setup() override { w_ = std::make_unique<World>(); }
	void run(int i) override
	{
		if (i == 0) {
			MM_FRAME("irqs_off_section");
			sim::local_irq_disable();
			w_->cpu0_irqs_off = true;
			w_->data.store(1);
			w_->data.store(2);
			w_->cpu0_irqs_off = false;
			sim::local_irq_enable();
		} else {
			MM_FRAME("ipi_sender");
			sim::smp_call_function(handler, w_.get());
			if (!w_->ran_on[0])
				sim::raise(
				    sim::ViolationKind::assertion,
				    "smp_call_function() returned before CPU0 ran the handler");
		}
	}
	void teardown() override { w_.reset(); }
	std::string describe(sim::Op, const void* obj) const override
	{
		return w_ && obj == &w_->data ? "data" : "";
	}

private:
	struct World {
		sim::Atomic<int> data{0};
		// Plain fields: CPU0's own view of its IRQ state, and which CPUs ran the handler.
		// The handler runs on the target CPU without scheduling points.
		bool cpu0_irqs_off = false;
		std::array<bool, sim::kMaxTasks> ran_on{};
	};

	static void handler(void* arg, int cpu)
	{
		auto* w = static_cast<World*>(arg);
		if (cpu == 0 && w->cpu0_irqs_off)
			sim::raise(sim::ViolationKind::assertion,
			           "IPI handler ran on CPU0 inside its IRQs-off section");
		if (cpu >= 0 && cpu < sim::kMaxTasks)
			w->ran_on[static_cast<std::size_t>(cpu)] = true;
	}

	std::unique_ptr<World> w_;
};

} // namespace

std::unique_ptr<explore::Program> make_ipi_vs_irqs_off()
{
	return std::make_unique<IpiVsIrqsOff>();
}

} // namespace demo
