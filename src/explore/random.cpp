// Random walk: at every choice point, an enabled task drawn uniformly. Cheap and unbiased per
// step, but a bug that needs a long run of one task before a switch is found rarely; PCT is
// the better default for that.
#include "explore/mask.hpp"
#include "explore/rng.hpp"
#include "explore/strategy.hpp"

namespace explore {
namespace {

class RandomStrategy final : public Strategy {
public:
	explicit RandomStrategy(std::uint64_t seed) : rng_(seed) {}

	bool begin_schedule() override { return true; }
	std::string name() const override { return "random"; }

	int pick_task(const sim::ChoicePoint& cp) override
	{
		const auto n = static_cast<std::uint64_t>(count_tasks(cp.enabled));
		return nth_task(cp.enabled, static_cast<int>(rng_.below(n)));
	}

	int pick_value(int n, std::uint64_t) override
	{
		return static_cast<int>(rng_.below(static_cast<std::uint64_t>(n)));
	}

private:
	Rng rng_;
};

} // namespace

std::unique_ptr<Strategy> make_random(std::uint64_t seed)
{
	return std::make_unique<RandomStrategy>(seed);
}

} // namespace explore
