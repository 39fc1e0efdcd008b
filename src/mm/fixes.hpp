// Fix switches, proposals and test-only mutants, generated from fixes.def (STYLE.md C6).
#pragma once

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

namespace mm {

#define FIX(id, commit, link, doc) id,
#define PROPOSAL(id, fix, link, doc)
#define MUTANT(id, doc)
enum class Fix : unsigned {
#include "mm/fixes.def"
	count_
};
#undef FIX
#undef PROPOSAL
#undef MUTANT

#define FIX(id, commit, link, doc)
#define PROPOSAL(id, fix, link, doc) id,
#define MUTANT(id, doc)
enum class Proposal : unsigned {
#include "mm/fixes.def"
	count_
};
#undef FIX
#undef PROPOSAL
#undef MUTANT

#define FIX(id, commit, link, doc)
#define PROPOSAL(id, fix, link, doc)
#define MUTANT(id, doc) id,
enum class Mutant : unsigned {
#include "mm/fixes.def"
	count_
};
#undef FIX
#undef PROPOSAL
#undef MUTANT

enum class SwitchKind : unsigned char { fix, proposal, mutant };

struct FixInfo {
	std::string_view name;
	SwitchKind kind;
	std::string_view commit; // fix: the merged commit; proposal: the fix it stands in for
	std::string_view link;   // LKML thread or commit URL (empty for mutants)
	std::string_view doc;    // fix: what "off" restores; proposal/mutant: what "on" does
	unsigned index;          // into Fix, Proposal or Mutant
	bool default_on() const { return kind == SwitchKind::fix; }
	bool mutant() const { return kind == SwitchKind::mutant; }
};

// Every fix, then every proposal, then every mutant, in .def order.
const std::vector<FixInfo>& all_fixes();
std::optional<FixInfo> find_fix(std::string_view name);
const char* switch_kind_name(SwitchKind k);

// The switches of one Kernel: every fix on, every proposal and mutant off unless told otherwise.
class FixSet {
public:
	FixSet() { fixes_.set(); }
	// A fix is in effect when it is on and no proposal standing in for it (fixes.def names
	// the fix each proposal replaces) is on: the model runs either the merged code or the
	// proposal, never both.
	bool fixed(Fix f) const { return fixes_.test(static_cast<unsigned>(f)) && !replaced(f); }
	// Whether a proposal standing in for f is on.
	bool replaced(Fix f) const;
	bool proposal(Proposal p) const { return proposals_.test(static_cast<unsigned>(p)); }
	bool mutant(Mutant m) const { return mutants_.test(static_cast<unsigned>(m)); }
	void set(Fix f, bool on) { fixes_.set(static_cast<unsigned>(f), on); }
	void set(Proposal p, bool on) { proposals_.set(static_cast<unsigned>(p), on); }
	void set(Mutant m, bool on) { mutants_.set(static_cast<unsigned>(m), on); }
	// By name (any kind): false if unknown.
	bool set(std::string_view name, bool on);
	// Whether the named switch is on; nullopt if unknown.
	std::optional<bool> get(std::string_view name) const;
	// The switches that differ from the default, e.g. "hugetlb_vma_lock=off".
	std::vector<std::string> changed() const;

private:
	std::bitset<static_cast<unsigned>(Fix::count_) + 1> fixes_;
	std::bitset<static_cast<unsigned>(Proposal::count_) + 1> proposals_;
	std::bitset<static_cast<unsigned>(Mutant::count_) + 1> mutants_;
};

} // namespace mm
