// Datasets named by one string, as `tern train --data SPEC` takes them:
//
//   KIND:PATH[,OPTION]...      OPTION is KEY=VALUE or a bare flag
//
//   csv:iris.csv,label=species          tsv:table.tsv,test=holdout.tsv
//   images:photos/,size=28,gray         cifar10:cifar-10-batches-bin
//   cifar100:cifar-100-binary,coarse    idx:/usr/share/datasets/fashion-mnist
//   npz:mnist.npz,x=x_train,y=y_train   npz:arrays.npz,test=test.npz
//   npy:x.npy,y=y.npy,test=xt.npy,test_y=yt.npy
//
// Kinds: csv, tsv (tern/data/csv.h), images (image_folder.h), cifar10,
// cifar100 (cifar.h), idx (idx_folder.h), npz, npy (npz_dataset.h). PATH runs
// to the first comma.
//
// Options of every kind:
//   test=PATH     the test set, read like PATH with the training set's
//                 classes (and, for csv, its label column)
//   holdout=F     without test=: hold out the fraction F in (0, 1) of the
//                 training examples, shuffled by seed (csv, tsv and images
//                 default to 0.2, as npy does; cifar, idx and npz use their own test
//                 split unless holdout= is given)
//   seed=N        the holdout shuffle (default: the caller's seed)
//   raw           no normalisation (default: images to the training set's
//                 pixel mean and std, feature columns to the training set's
//                 per-column mean and std)
//   mean=M,std=S  images: (x - M) / S of pixels in [0, 1] instead (either
//                 alone keeps the training set's value of the other)
// csv / tsv: label=NAME|INDEX (default: the column "label", else the last).
// images: size=N (default 32), gray or rgb (default rgb), threads=N
// (decoding threads, default: tern::num_threads()).
// cifar100: coarse (the 20 superclasses instead of the 100 classes).
// npz: x=NAME, y=NAME (default x_train / y_train if the file has them, else
// x / y); its own test split is x_test / y_test when the file has them.
// npy: PATH holds the examples; y=FILE (required) their labels; with
// test=FILE, test_y=FILE the test set's.
//
// An unknown kind or option, or a bad value, throws a one-line
// tern::ValueError listing what is valid; reading errors are tern::IOError
// from the readers (naming the file and the line or record).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tern/data/dataset.h"

namespace tern::data {

struct DataSpec {
  std::string kind, path;
  std::map<std::string, std::string> options;  // a bare flag maps to ""
  std::string text;                            // as given, for messages
};

// Splits and checks `text` (kinds and option names; values are checked by load_data).
DataSpec parse_data_spec(const std::string& text);

struct DataSplits {
  std::shared_ptr<Dataset> train, test;
  std::vector<std::string> class_names;  // empty when labels were integers
  std::string summary;                   // e.g. "csv:iris.csv: 120 train, 30 test, [4], 3 classes"
};

// The train and test sets `spec` names. `default_seed` shuffles a holdout
// split when the spec gives no seed=; `progress` allows the image folders'
// decoding bar on stderr (2,000 images or more).
DataSplits load_data(const DataSpec& spec, uint64_t default_seed = 1, bool progress = true);
DataSplits load_data(const std::string& spec, uint64_t default_seed = 1, bool progress = true);

// Splits `ds` (an ImageDataset or FeatureDataset) into (rest, held out):
// round(fraction * size) examples, at least 1 each, chosen by a
// Fisher-Yates shuffle driven by Philox(seed); both keep `ds`'s order.
std::pair<std::shared_ptr<Dataset>, std::shared_ptr<Dataset>> holdout_split(const Dataset& ds, double fraction,
                                                                            uint64_t seed);

}  // namespace tern::data
