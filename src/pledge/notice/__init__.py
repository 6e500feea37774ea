"""What the declaration promises, said to people and to the regulator: the privacy notice
(HTML, Markdown), what changed between two versions, the Art. 13/14 lint, and the Art. 30
record of processing (CSV, XLSX). Pure functions; only ``cli.py`` reads and writes files."""
