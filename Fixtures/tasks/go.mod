module stackfold.dev/tasks

go 1.21
