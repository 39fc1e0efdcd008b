#include "mm/fixes.hpp"

#include <array>
#include <string>

namespace mm {

const std::vector<FixInfo>& all_fixes()
{
	static const std::vector<FixInfo> list = [] {
		std::vector<FixInfo> v;
#define FIX(id, commit, link, doc)                                                               \
	v.push_back(FixInfo{#id, SwitchKind::fix, commit, link, doc, static_cast<unsigned>(Fix::id)});
#define PROPOSAL(id, fix, link, doc)
#define MUTANT(id, doc)
#include "mm/fixes.def"
#undef FIX
#undef PROPOSAL
#undef MUTANT
#define FIX(id, commit, link, doc)
#define PROPOSAL(id, fix, link, doc)                                                             \
	v.push_back(FixInfo{#id, SwitchKind::proposal, fix, link, doc,                           \
			    static_cast<unsigned>(Proposal::id)});
#define MUTANT(id, doc)
#include "mm/fixes.def"
#undef FIX
#undef PROPOSAL
#undef MUTANT
#define FIX(id, commit, link, doc)
#define PROPOSAL(id, fix, link, doc)
#define MUTANT(id, doc)                                                                          \
	v.push_back(FixInfo{#id, SwitchKind::mutant, "", "", doc, static_cast<unsigned>(Mutant::id)});
#include "mm/fixes.def"
#undef FIX
#undef PROPOSAL
#undef MUTANT
		return v;
	}();
	return list;
}

std::optional<FixInfo> find_fix(std::string_view name)
{
	for (const FixInfo& f : all_fixes())
		if (f.name == name)
			return f;
	return std::nullopt;
}

const char* switch_kind_name(SwitchKind k)
{
	switch (k) {
	case SwitchKind::fix:
		return "fix";
	case SwitchKind::proposal:
		return "proposal";
	case SwitchKind::mutant:
		return "mutant";
	}
	return "?";
}

namespace {

// Per fix, the proposals that stand in for it (fixes.def's PROPOSAL(id, fix, ...)).
using ProposalBits = std::bitset<static_cast<unsigned>(Proposal::count_) + 1>;

const std::array<ProposalBits, static_cast<unsigned>(Fix::count_) + 1>& stand_ins()
{
	static const auto table = [] {
		std::array<ProposalBits, static_cast<unsigned>(Fix::count_) + 1> t{};
#define FIX(id, commit, link, doc)
#define PROPOSAL(id, replaced_fix, link, doc)                                                    \
	if (auto fx = find_fix(replaced_fix); fx && fx->kind == SwitchKind::fix)                 \
		t[fx->index].set(static_cast<unsigned>(Proposal::id));
#define MUTANT(id, doc)
#include "mm/fixes.def"
#undef FIX
#undef PROPOSAL
#undef MUTANT
		return t;
	}();
	return table;
}

} // namespace

bool FixSet::replaced(Fix f) const
{
	return (proposals_ & stand_ins()[static_cast<unsigned>(f)]).any();
}

bool FixSet::set(std::string_view name, bool on)
{
	auto f = find_fix(name);
	if (!f)
		return false;
	switch (f->kind) {
	case SwitchKind::fix:
		fixes_.set(f->index, on);
		break;
	case SwitchKind::proposal:
		proposals_.set(f->index, on);
		break;
	case SwitchKind::mutant:
		mutants_.set(f->index, on);
		break;
	}
	return true;
}

std::optional<bool> FixSet::get(std::string_view name) const
{
	auto f = find_fix(name);
	if (!f)
		return std::nullopt;
	switch (f->kind) {
	case SwitchKind::fix:
		return fixes_.test(f->index);
	case SwitchKind::proposal:
		return proposals_.test(f->index);
	case SwitchKind::mutant:
		return mutants_.test(f->index);
	}
	return std::nullopt;
}

std::vector<std::string> FixSet::changed() const
{
	std::vector<std::string> out;
	for (const FixInfo& f : all_fixes()) {
		bool on = *get(f.name);
		if (on != f.default_on())
			out.push_back(std::string(f.name) + (on ? "=on" : "=off"));
	}
	return out;
}

} // namespace mm
