"""An answer put to a person: its words (:mod:`.words`, the same in the app, the command line and
the saved pictures), the pictures drawn of it (:mod:`.drawing`) and where the model looked
(:mod:`.heatmap`)."""
