"""Reports on results: statistics with intervals (``stats``), the self-contained HTML
comparison report (``html``) and sensitivity indices for Sobol and Morris designs
(``sensitivity``)."""
