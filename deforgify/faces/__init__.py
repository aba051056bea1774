"""Faces in a photo: finding them (:mod:`.detection`, with the detectors in ``face_models/``),
the crop the model sees (:mod:`.preprocess`, shared by training and serving), mirrored and turned
copies (:mod:`.turns`), and the two things that make a face unjudgeable from its pixels: no colour
(:mod:`.colour`) and see-through pixels (:mod:`.transparency`)."""
