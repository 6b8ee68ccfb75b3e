// The data readers' pixels and labels on small files written here (IDX raw and gzipped, CIFAR-10
// binary batches), and the sampler's crops, flips and normalisation checked image by image.
#include <QtTest>

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "core/data/dataset.h"
#include "core/data/readers.h"

using namespace gossiplab;

namespace {

void writeBigEndian(std::ofstream& out, uint32_t v) {
    const unsigned char b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    out.write(reinterpret_cast<const char*>(b), 4);
}

// 3 images of 2x4; pixel (n, y, x) = 10 n + 4 y + x. `images_written` < 3 truncates the file.
std::string writeIdxImages(const QString& dir, const char* name, int images_written = 3) {
    const std::string path = (dir + "/" + name).toStdString();
    std::ofstream out(path, std::ios::binary);
    writeBigEndian(out, 2051);
    writeBigEndian(out, 3);
    writeBigEndian(out, 2);
    writeBigEndian(out, 4);
    for (int n = 0; n < images_written; ++n)
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 4; ++x) out.put(static_cast<char>(10 * n + 4 * y + x));
    return path;
}

// The pixel bytes of the CIFAR-10 test folder's record n (over all files in order), channel c.
int cifarPixel(int n, int c, int y, int x) { return (n * 37 + c * 11 + y * 3 + x * 7) % 256; }

// A CIFAR-10 folder with `per_file` records in each of data_batch_1..5.bin and test_batch.bin.
// Record n's label is n % 10.
void writeCifarFolder(const QString& dir, int per_file) {
    int n = 0;
    std::vector<std::string> names;
    for (int k = 1; k <= 5; ++k) names.push_back("data_batch_" + std::to_string(k) + ".bin");
    names.push_back("test_batch.bin");
    for (const auto& name : names) {
        std::ofstream out((dir + "/").toStdString() + name, std::ios::binary);
        for (int r = 0; r < per_file; ++r, ++n) {
            out.put(static_cast<char>(n % 10));
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 32; ++y)
                    for (int x = 0; x < 32; ++x) out.put(static_cast<char>(cifarPixel(n, c, y, x)));
        }
    }
}

}  // namespace

class TestDataReaders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void idxImagesAndLabelsRawAndGzipped() {
        QTemporaryDir dir;
        const std::string images = writeIdxImages(dir.path(), "images-idx3-ubyte");
        {
            std::ofstream out((dir.path() + "/labels-idx1-ubyte").toStdString(), std::ios::binary);
            writeBigEndian(out, 2049);
            writeBigEndian(out, 3);
            for (char label : {7, 0, 9}) out.put(label);
        }
        QCOMPARE(std::system(("gzip -k " + images).c_str()), 0);
        for (const std::string& path : {images, images + ".gz"}) {
            const torch::Tensor t = readIdxImages(path);
            QCOMPARE(t.scalar_type(), torch::kUInt8);
            QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{3, 1, 2, 4}));
            for (int n = 0; n < 3; ++n)
                for (int y = 0; y < 2; ++y)
                    for (int x = 0; x < 4; ++x) QCOMPARE(t[n][0][y][x].item<int>(), 10 * n + 4 * y + x);
        }
        const torch::Tensor labels = readIdxLabels((dir.path() + "/labels-idx1-ubyte").toStdString());
        QCOMPARE(labels.scalar_type(), torch::kInt64);
        QCOMPARE(labels.sizes().vec(), (std::vector<int64_t>{3}));
        QCOMPARE(labels[0].item<int64_t>(), int64_t(7));
        QCOMPARE(labels[2].item<int64_t>(), int64_t(9));
        QCOMPARE(findIdxFile(dir.path().toStdString(), "images-idx3-ubyte"), images);
    }

    void aLargeIdxFileIsReadWholeAcrossTheReadersGrowthSteps() {
        // 5 images of 256 x 256 (327,680 bytes): the reader's buffer grows 64 KiB, 64 KiB, 128 KiB,
        // then the last 64 KiB; every byte must land where the header says, raw and gzipped.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/large-idx3-ubyte").toStdString();
        auto pixel = [](int n, int y, int x) { return (n * 7 + y * 3 + x) & 0xFF; };
        {
            std::ofstream out(path, std::ios::binary);
            for (uint32_t v : {2051u, 5u, 256u, 256u}) writeBigEndian(out, v);
            for (int n = 0; n < 5; ++n)
                for (int y = 0; y < 256; ++y)
                    for (int x = 0; x < 256; ++x) out.put(static_cast<char>(pixel(n, y, x)));
        }
        QCOMPARE(std::system(("gzip -k " + path).c_str()), 0);
        torch::Tensor expected = torch::empty({5, 1, 256, 256}, torch::kUInt8);
        auto e = expected.accessor<uint8_t, 4>();
        for (int n = 0; n < 5; ++n)
            for (int y = 0; y < 256; ++y)
                for (int x = 0; x < 256; ++x) e[n][0][y][x] = static_cast<uint8_t>(pixel(n, y, x));
        for (const std::string& file : {path, path + ".gz"}) {
            const torch::Tensor t = readIdxImages(file);
            QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{5, 1, 256, 256}));
            QVERIFY2(torch::equal(t, expected), file.c_str());
        }
    }

    void aTruncatedIdxFileNamesTheFile() {
        QTemporaryDir dir;
        const std::string path = writeIdxImages(dir.path(), "short-idx3-ubyte", 2);
        try {
            readIdxImages(path);
            QFAIL("a file with 2 of its 3 images was read");
        } catch (const DataError& e) {
            QVERIFY2(QString(e.what()).contains("short-idx3-ubyte"), e.what());
        }
    }

    void aHeaderClaimingTerabytesIsRefusedWithoutAllocatingThem() {
        // 100,000,000 images of 4096 x 4096 (1.6 PB) announced, 64 bytes present: the reader
        // allocates as the bytes arrive, so it fails with "truncated" and the process stays small.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/huge-idx3-ubyte").toStdString();
        {
            std::ofstream out(path, std::ios::binary);
            for (uint32_t v : {2051u, 100000000u, 4096u, 4096u}) writeBigEndian(out, v);
            for (int k = 0; k < 64; ++k) out.put(char(k));
        }
        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        try {
            readIdxImages(path);
            QFAIL("a file announcing 1.6 PB of images was read");
        } catch (const DataError& e) {
            QVERIFY2(QString(e.what()).contains("truncated") && QString(e.what()).contains("found 64"), e.what());
        }
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        QVERIFY2(after.ru_maxrss - before.ru_maxrss < 200 * 1024, qPrintable(QString("peak RSS grew by %1 KB").arg(after.ru_maxrss - before.ru_maxrss)));
    }

    void cifarRecordsArePlanarRgbInChwOrder() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/data_batch_1.bin").toStdString();
        {
            std::ofstream out(path, std::ios::binary);
            for (int record = 0; record < 2; ++record) {
                out.put(static_cast<char>(record == 0 ? 3 : 8));  // the label
                for (int c = 0; c < 3; ++c)  // the red plane, then green, then blue
                    for (int i = 0; i < 1024; ++i) out.put(static_cast<char>((record * 100 + c * 40 + i) % 256));
            }
        }
        const ImageSet set = readCifarBatches({path});
        QCOMPARE(set.images.sizes().vec(), (std::vector<int64_t>{2, 3, 32, 32}));
        QCOMPARE(set.labels[0].item<int64_t>(), int64_t(3));
        QCOMPARE(set.labels[1].item<int64_t>(), int64_t(8));
        for (int record = 0; record < 2; ++record)
            for (int c = 0; c < 3; ++c)
                for (int i : {0, 31, 32, 555, 1023})
                    QCOMPARE(set.images[record][c][i / 32][i % 32].item<int>(), (record * 100 + c * 40 + i) % 256);
    }

    // loadDataset on a CIFAR-10 folder: the five training files in order, the channel statistics of
    // the training images (computed here over the bytes written), and test images centre-cropped
    // to 28x28 and normalised with the training statistics.
    void cifarFolderStatisticsAndTestImages() {
        QTemporaryDir dir;
        writeCifarFolder(dir.path(), 2);
        const Dataset d = loadDataset("cifar10", dir.path().toStdString(), 1);
        QCOMPARE(d.train.size(), int64_t(10));
        QCOMPARE(d.test.size(), int64_t(2));
        QCOMPARE(d.crop, 28);
        QCOMPARE(d.inputHeight(), 28);
        for (int n = 0; n < 10; ++n) QCOMPARE(d.train.labels[n].item<int64_t>(), int64_t(n % 10));
        QCOMPARE(d.test.labels[1].item<int64_t>(), int64_t(11 % 10));
        QCOMPARE(d.train.images[7][2][5][9].item<int>(), cifarPixel(7, 2, 5, 9));
        QCOMPARE(d.test.images[1][0][31][0].item<int>(), cifarPixel(11, 0, 31, 0));
        double mean[3], stdev[3];
        for (int c = 0; c < 3; ++c) {
            double sum = 0.0, squares = 0.0;
            const double count = 10.0 * 32 * 32;
            for (int n = 0; n < 10; ++n)
                for (int y = 0; y < 32; ++y)
                    for (int x = 0; x < 32; ++x) sum += cifarPixel(n, c, y, x);
            mean[c] = sum / count;
            for (int n = 0; n < 10; ++n)
                for (int y = 0; y < 32; ++y)
                    for (int x = 0; x < 32; ++x) squares += std::pow(cifarPixel(n, c, y, x) - mean[c], 2);
            stdev[c] = std::sqrt(squares / (count - 1.0));
            QVERIFY2(std::abs(d.mean[c][0][0].item<double>() - mean[c]) < 1e-3,
                     qPrintable(QString("channel %1: mean %2, expected %3").arg(c).arg(d.mean[c][0][0].item<double>()).arg(mean[c])));
            QVERIFY2(std::abs(d.std[c][0][0].item<double>() - stdev[c]) < 1e-3,
                     qPrintable(QString("channel %1: std %2, expected %3").arg(c).arg(d.std[c][0][0].item<double>()).arg(stdev[c])));
        }
        const torch::Tensor test = preprocessedTestImages(d, 0);
        QCOMPARE(test.sizes().vec(), (std::vector<int64_t>{2, 3, 28, 28}));
        QCOMPARE(test.scalar_type(), torch::kFloat32);
        for (int n = 0; n < 2; ++n)
            for (int c = 0; c < 3; ++c)
                for (const auto& [y, x] : {std::pair{0, 0}, std::pair{27, 27}, std::pair{13, 4}, std::pair{0, 27}}) {
                    const double expected = (cifarPixel(10 + n, c, y + 2, x + 2) - mean[c]) / stdev[c];
                    QVERIFY2(std::abs(test[n][c][y][x].item<double>() - expected) < 1e-4,
                             qPrintable(QString("test image %1 channel %2 at (%3, %4): %5, expected %6")
                                            .arg(n).arg(c).arg(y).arg(x).arg(test[n][c][y][x].item<double>()).arg(expected)));
                }
        QCOMPARE(preprocessedTestImages(d, 1).size(0), int64_t(1));  // the first max_images only
    }

    // loadDataset on an IDX folder (train-* and t10k-*, one gzipped): no crop, one channel.
    void idxFolderLoadsTrainingAndTestSets() {
        QTemporaryDir dir;
        writeIdxImages(dir.path(), "train-images-idx3-ubyte");
        writeIdxImages(dir.path(), "t10k-images-idx3-ubyte", 3);
        QCOMPARE(std::system(("gzip " + (dir.path() + "/t10k-images-idx3-ubyte").toStdString()).c_str()), 0);
        for (const char* name : {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"}) {
            std::ofstream out((dir.path() + "/" + name).toStdString(), std::ios::binary);
            writeBigEndian(out, 2049);
            writeBigEndian(out, 3);
            for (char label : {4, 1, 2}) out.put(label);
        }
        const Dataset d = loadDataset("fashion-mnist", dir.path().toStdString(), 1);
        QCOMPARE(d.train.size(), int64_t(3));
        QCOMPARE(d.test.size(), int64_t(3));
        QCOMPARE(d.crop, 0);
        QCOMPARE(d.channels, 1);
        QCOMPARE(d.test.labels[0].item<int64_t>(), int64_t(4));
        // Pixels 10 n + 4 y + x for n < 3, y < 2, x < 4: mean 13.5.
        QVERIFY(std::abs(d.mean[0][0][0].item<double>() - 13.5) < 1e-4);
        const torch::Tensor test = preprocessedTestImages(d, 0);
        QCOMPARE(test.sizes().vec(), (std::vector<int64_t>{3, 1, 2, 4}));
        const double expected = (10 * 2 + 4 * 1 + 3 - 13.5) / d.std[0][0][0].item<double>();
        QVERIFY(std::abs(test[2][0][1][3].item<double>() - expected) < 1e-5);
    }

    // Every sampled image is, once de-normalised, exactly one crop (flipped or not) of its own
    // training image; flips and every offset occur; labels travel with their images.
    void cropsFlipsAndNormalisationAreExact() {
        Dataset d = makeSyntheticDataset(3, 8, 8, 16, 4, 7);
        d.crop = 5;
        d.mean = torch::tensor({10.0f, 20.0f, 30.0f}).view({3, 1, 1});
        d.std = torch::tensor({2.0f, 4.0f, 8.0f}).view({3, 1, 1});
        const TrainingSetOnDevice on_cpu = uploadTrainingSet(d, torch::kCPU);
        BatchSampler sampler(d, on_cpu, 99);
        int flipped = 0, straight = 0;
        std::set<std::pair<int, int>> offsets;
        for (int batch = 0; batch < 8; ++batch) {
            auto [input, labels] = sampler.next(6);
            QCOMPARE(input.sizes().vec(), (std::vector<int64_t>{6, 3, 5, 5}));
            const torch::Tensor pixels = (input * d.std + d.mean).round().to(torch::kInt64);
            for (int b = 0; b < 6; ++b) {
                bool found = false;
                for (int64_t n = 0; n < d.train.size() && !found; ++n) {
                    if (d.train.labels[n].item<int64_t>() != labels[b].item<int64_t>()) continue;
                    const torch::Tensor image = d.train.images[n].to(torch::kInt64);
                    for (int oy = 0; oy <= 3 && !found; ++oy)
                        for (int ox = 0; ox <= 3 && !found; ++ox) {
                            const torch::Tensor crop = image.narrow(1, oy, 5).narrow(2, ox, 5);
                            if (torch::equal(crop, pixels[b])) { found = true; ++straight; offsets.insert({oy, ox}); }
                            else if (torch::equal(crop.flip({2}), pixels[b])) { found = true; ++flipped; offsets.insert({oy, ox}); }
                        }
                }
                QVERIFY2(found, qPrintable(QString("batch %1 image %2 is no crop of a training image with its label").arg(batch).arg(b)));
            }
        }
        QVERIFY(flipped > 0 && straight > 0);
        QVERIFY2(offsets.size() > 8, qPrintable(QString::number(offsets.size())));
    }

    // Every image once per pass, also when a batch straddles two passes.
    void everyImageOncePerPass() {
        Dataset d = makeSyntheticDataset(1, 28, 28, 10, 4, 3);
        d.mean = torch::full({1, 1, 1}, 100.0f);  // loadDataset's statistics; any will do here
        d.std = torch::full({1, 1, 1}, 50.0f);
        const TrainingSetOnDevice on_cpu = uploadTrainingSet(d, torch::kCPU);
        BatchSampler sampler(d, on_cpu, 5);
        std::vector<torch::Tensor> seen;
        for (int batch = 0; batch < 5; ++batch) seen.push_back(sampler.next(4).first);  // 20 images: two passes
        const torch::Tensor all = torch::cat(seen);
        for (int pass = 0; pass < 2; ++pass) {
            std::set<int64_t> images;
            for (int k = 0; k < 10; ++k) {
                const torch::Tensor x = all[pass * 10 + k];
                for (int64_t n = 0; n < 10; ++n) {
                    const torch::Tensor expected = (d.train.images[n].to(torch::kFloat32) - d.mean) / d.std;
                    if (torch::allclose(x, expected)) images.insert(n);
                }
            }
            QCOMPARE(images.size(), size_t(10));
        }
    }
};

QTEST_APPLESS_MAIN(TestDataReaders)
#include "test_data_readers.moc"
