module stackfold.test/workload

go 1.21
