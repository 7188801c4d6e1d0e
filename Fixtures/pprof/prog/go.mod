module stackfold.example/pprofprog

go 1.21
