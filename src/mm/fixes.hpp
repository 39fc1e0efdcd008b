// Fix switches and test-only mutants, generated from fixes.def (STYLE.md C6).
#pragma once

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

namespace mm {

#define FIX(id, commit, link, doc)
#define MUTANT(id, doc)
enum class Fix : unsigned {
#undef FIX
#define FIX(id, commit, link, doc) id,
#include "mm/fixes.def"
	count_
};
#undef FIX
#undef MUTANT

#define FIX(id, commit, link, doc)
#define MUTANT(id, doc) id,
enum class Mutant : unsigned {
#include "mm/fixes.def"
	count_
};
#undef FIX
#undef MUTANT

struct FixInfo {
	std::string_view name;
	std::string_view commit; // empty for mutants
	std::string_view link;
	std::string_view doc;    // what turning it off (fix) / on (mutant) does
	bool mutant;
	unsigned index;          // into Fix or Mutant
};

// Every fix, then every mutant, in .def order.
const std::vector<FixInfo>& all_fixes();
std::optional<FixInfo> find_fix(std::string_view name);

// The switches of one Kernel: every fix on, every mutant off unless told otherwise.
class FixSet {
public:
	FixSet() { fixes_.set(); }
	bool fixed(Fix f) const { return fixes_.test(static_cast<unsigned>(f)); }
	bool mutant(Mutant m) const { return mutants_.test(static_cast<unsigned>(m)); }
	void set(Fix f, bool on) { fixes_.set(static_cast<unsigned>(f), on); }
	void set(Mutant m, bool on) { mutants_.set(static_cast<unsigned>(m), on); }
	// By name (a fix or a mutant): false if unknown.
	bool set(std::string_view name, bool on);

private:
	std::bitset<static_cast<unsigned>(Fix::count_) + 1> fixes_;
	std::bitset<static_cast<unsigned>(Mutant::count_) + 1> mutants_;
};

} // namespace mm
