from mlops_level.app import main

main()
