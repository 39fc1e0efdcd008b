#include "mm/fixes.hpp"

namespace mm {

const std::vector<FixInfo>& all_fixes()
{
	static const std::vector<FixInfo> list = [] {
		std::vector<FixInfo> v;
#define FIX(id, commit, link, doc)                                                               \
	v.push_back(FixInfo{#id, commit, link, doc, false, static_cast<unsigned>(Fix::id)});
#define MUTANT(id, doc)
#include "mm/fixes.def"
#undef FIX
#undef MUTANT
#define FIX(id, commit, link, doc)
#define MUTANT(id, doc)                                                                          \
	v.push_back(FixInfo{#id, "", "", doc, true, static_cast<unsigned>(Mutant::id)});
#include "mm/fixes.def"
#undef FIX
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

bool FixSet::set(std::string_view name, bool on)
{
	auto f = find_fix(name);
	if (!f)
		return false;
	if (f->mutant)
		mutants_.set(f->index, on);
	else
		fixes_.set(f->index, on);
	return true;
}

} // namespace mm
