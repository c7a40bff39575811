"""`python -m retrieval.train` fine-tunes the scorer; `... train decline` fits the decline model."""

import sys

if sys.argv[1:2] == ["decline"]:
    from retrieval.train.decline import main

    main(sys.argv[2:])
else:
    from retrieval.train.cross_encoder import main

    main()
