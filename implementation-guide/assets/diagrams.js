// Turns the ```mermaid blocks of a page (pre.mermaid, their source as text) into SVG diagrams.
/* global mermaid */
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
mermaid.run({ querySelector: 'pre.mermaid' });
