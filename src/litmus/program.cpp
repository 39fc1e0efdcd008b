#include "litmus/program.hpp"

#include "sim/engine.hpp"

namespace litmus {

LitmusProgram::LitmusProgram(std::shared_ptr<const Scenario> s, ScenarioConfig cfg)
    : s_(std::move(s)), cfg_(std::move(cfg))
{
	cfg_.mm.ncpus = s_->ncpus() + 1;
	regs_.resize(static_cast<std::size_t>(s_->ncpus()));
	counts_.resize(static_cast<std::size_t>(s_->ncpus()) + 1);
	env_.names = &s_->slot_names;
}

std::string LitmusProgram::variant() const
{
	std::string v;
	for (const std::string& sw : cfg_.mm.fixes.changed())
		v += sw + ";";
	return v;
}

std::string LitmusProgram::task_name(int i) const
{
	std::string n = "P" + std::to_string(i);
	int slot = s_->cpu_process[static_cast<std::size_t>(i)];
	if (slot >= 0)
		n += " (" + s_->slots[static_cast<std::size_t>(slot)].name + ")";
	return n;
}

// An operation whose object arguments do not all exist (a process not yet forked, one that
// has exited, a file not yet created) does nothing and returns `absent`.
void LitmusProgram::exec(const Call& c, int cpu)
{
	Result r{Result::absent, 0};
	bool present = true;
	for (std::size_t i = 0; i < c.args.size() && present; ++i) {
		const ArgType t = c.spec->params[i].type;
		const int slot = c.args[i].slot;
		if (slot < 0 || (t != ArgType::process && t != ArgType::file && t != ArgType::object))
			continue;
		// Another CPU may create or end this object: whether it exists is read at a
		// scheduling point of its own, so every order is explored.
		if ((s_->slots[static_cast<std::size_t>(slot)].changers & ~(1u << cpu)) != 0)
			sim::point(sim::Op::load, sim::WaitKind::none, &env_.objects[static_cast<std::size_t>(slot)]);
		void* obj = env_.objects[static_cast<std::size_t>(slot)];
		present = obj != nullptr &&
			  (t != ArgType::process || !static_cast<mm::process*>(obj)->exited);
	}
	if (present) {
		OpContext ctx(world_, env_, cpu);
		r = c.spec->exec(ctx, c);
	}
	++counts_[static_cast<std::size_t>(cpu)][r.kind];
	if (c.reg >= 0)
		regs_[static_cast<std::size_t>(cpu)][static_cast<std::size_t>(c.reg)] = r;
}

void LitmusProgram::setup()
{
	world_.reset(cfg_.mm);
	env_.reset(s_->slots.size());
	for (std::size_t i = 0; i < regs_.size(); ++i)
		regs_[i].assign(s_->regs[i].size(), Result{});
	for (Counts& c : counts_)
		c.fill(0);
	const int init_cpu = s_->ncpus();
	for (const Call& c : s_->init)
		exec(c, init_cpu);
	world_.check_invariants();
}

void LitmusProgram::run(int i)
{
	for (const Call& c : s_->cpus[static_cast<std::size_t>(i)])
		exec(c, i);
}

void LitmusProgram::check()
{
	world_.check_invariants();
}

std::string LitmusProgram::describe(sim::Op op, const void* obj) const
{
	const auto* p = static_cast<void* const*>(obj);
	if (!env_.objects.empty() && p >= env_.objects.data() &&
	    p < env_.objects.data() + env_.objects.size())
		return "does " + s_->slot_names[static_cast<std::size_t>(p - env_.objects.data())] + " exist";
	return world_.describe(op, obj);
}

bool LitmusProgram::holds(const Check& c) const
{
	auto compare = [&c](const Result& v) { return (v == c.value) != c.not_equal; };
	auto count = [&c](std::int64_t n) {
		return c.has_value ? (n == c.value.num) != c.not_equal : n > 0;
	};
	switch (c.kind) {
	case Check::true_:
		return true;
	case Check::false_:
		return false;
	case Check::not_:
		return !holds(c.kids[0]);
	case Check::and_:
		return holds(c.kids[0]) && holds(c.kids[1]);
	case Check::or_:
		return holds(c.kids[0]) || holds(c.kids[1]);
	case Check::reg:
		return compare(regs_[static_cast<std::size_t>(c.cpu)][static_cast<std::size_t>(c.index)]);
	case Check::cpu_count:
		return count(counts_[static_cast<std::size_t>(c.cpu)][c.what]);
	case Check::proc_count:
	case Check::proc_exited: {
		const auto* p = static_cast<const mm::process*>(env_.objects[static_cast<std::size_t>(c.index)]);
		if (c.kind == Check::proc_exited)
			return p != nullptr && p->exited;
		return count(p == nullptr ? 0 : c.what == Result::sigsegv ? p->sigsegv : p->sigbus);
	}
	}
	return false;
}

std::optional<bool> LitmusProgram::witness() const
{
	if (!s_->cond)
		return std::nullopt;
	return holds(*s_->cond);
}

// herd's final state: every bound register, then each process's signals.
std::string LitmusProgram::outcome() const
{
	std::string out;
	for (std::size_t cpu = 0; cpu < regs_.size(); ++cpu)
		for (std::size_t r = 0; r < regs_[cpu].size(); ++r)
			out += "P" + std::to_string(cpu) + ":" + s_->regs[cpu][r] + "=" +
			       result_str(regs_[cpu][r]) + "; ";
	for (std::size_t i = 0; i < s_->slots.size(); ++i) {
		if (s_->slots[i].kind != ArgType::process || env_.objects[i] == nullptr)
			continue;
		const auto* p = static_cast<const mm::process*>(env_.objects[i]);
		if (p->sigsegv)
			out += s_->slots[i].name + ":sigsegv=" + std::to_string(p->sigsegv) + "; ";
		if (p->sigbus)
			out += s_->slots[i].name + ":sigbus=" + std::to_string(p->sigbus) + "; ";
	}
	if (!out.empty())
		out.resize(out.size() - 1);
	return out;
}

} // namespace litmus
