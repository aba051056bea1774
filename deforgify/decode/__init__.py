"""Reading what a user hands in: a photo's bytes into one RGB array (:mod:`.images`, with HEIC
through :mod:`.heif`), and the format a file's first bytes announce (:mod:`.formats`)."""
