// seqcount_t. Readers spin while a write section is open; that spin is modelled as blocking,
// so a reader retries only after a writer really ran.
#pragma once

namespace sim {

class SeqCount {
public:
	constexpr SeqCount() = default;
	SeqCount(const SeqCount&) = delete;
	SeqCount& operator=(const SeqCount&) = delete;

	void write_begin();
	void write_end();
	unsigned read_begin() const;
	bool read_retry(unsigned start) const;
	// raw_read_seqcount(): one read without waiting for an even count (GUP-fast's
	// write_protect_seq check).
	unsigned raw_read() const;
	unsigned peek() const { return seq_; }
	void init(unsigned v) { seq_ = v; } // fresh object only: not a scheduling point

private:
	unsigned seq_ = 0; // odd while a write section is open; written only by the writer
};

} // namespace sim
