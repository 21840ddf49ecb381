package ai

// Citation is one knowledge-base entry an answer rests on, numbered as the
// answer cites it ([1], [2], ...). The knowledge base produces them; the
// prompts number them and the presenters link them.
type Citation struct {
	// N is the reference number shown in the answer, from 1.
	N int `json:"n"`
	// ID is the knowledge-base entry's stable identifier.
	ID    string `json:"id"`
	Title string `json:"title"`
	// URL is the official documentation page the entry rests on.
	URL string `json:"url"`
	// Snippet is the entry's short explanation, in the project's own words.
	Snippet string `json:"snippet"`
}
