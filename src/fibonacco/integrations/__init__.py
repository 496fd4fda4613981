"""External providers behind one small interface per capability (DESIGN.md §9).

Each capability module defines its interface, the real implementation on the provider's official SDK and an
offline one; `registry` picks between them from settings. Every SDK call is classified into
`errors.TransientProviderError` or `errors.PermanentProviderError`.
"""
