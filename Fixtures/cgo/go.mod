module stackfold.test/cgo

go 1.21
