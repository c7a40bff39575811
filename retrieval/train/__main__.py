from retrieval.train.cross_encoder import main

main()
