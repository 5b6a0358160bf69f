using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HSoftmax.Corpus;
using HSoftmax.Cli.AddOns;
using HSoftmax.Distributed;
using HSoftmax.Training;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli;

/// <summary><c>hsoftmax train</c>: options named as word2vec users know them, mapped onto <see cref="TrainingOptions"/>.</summary>
internal static class TrainCommand
{
    private static readonly string[] ProbeWords = ["he", "mr", "good", "house", "day", "king", "water"];

    private static readonly Option<string[]> Input = new("--input", "-i")
    {
        Description = "Corpus file(s) or folder(s), plain UTF-8 or gzip; one sentence per line; - for standard input. Default: the bundled corpus.",
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<string> Output = new("--output", "-o") { Description = "Where to write the vectors.", DefaultValueFactory = _ => "vectors.txt" };
    private static readonly Option<string> Format = Choice("--format", "Vectors file format (word2vec text or binary).", "text", "text", "binary");
    private static readonly Option<string> Model = Choice("--model", "Architecture.", "cbow", "cbow", "skipgram");
    private static readonly Option<string> Loss = Choice("--loss",
        "Output layer: hierarchical softmax, negative sampling, both (cpu and gpu engines), sampled softmax or the full softmax (torch engine).",
        "ns", "hs", "ns", "hs+ns", "sampled", "softmax");
    private static readonly Option<string> Engine = Choice("--engine",
        "cpu: multi-threaded SIMD engine; gpu: fused CUDA kernels (needs an NVIDIA driver, nothing else); torch: batched TorchSharp engine (CPU or CUDA).",
        "cpu", "cpu", "gpu", "torch");
    private static readonly Option<string> Device = new("--device")
    {
        Description = "Torch and gpu engines: cuda, cuda:N, auto or cpu (torch: libtorch's CPU; gpu: ILGPU's CPU accelerator, slow, for tests).",
        DefaultValueFactory = _ => "auto",
    };
    private static readonly Option<int?> GpuWarps = new("--gpu-warps") { Description = "GPU engine: warps training at once, one centre word each (default 32 per multiprocessor)." };
    private static readonly Option<int?> Batch = new("--batch") { Description = "Torch engine: predictions per SGD step (default 4096; much larger batches train worse)." };
    private static readonly Option<int> Samples = new("--samples") { Description = "Sampled softmax: candidates drawn per step, shared by the batch.", DefaultValueFactory = _ => EngineFlags.Defaults("").Samples };
    private static readonly Option<int> RowCap = new("--row-cap")
    {
        Description = "Torch engine: a row touched c times in one step moves by min(1, N/c) x the sum of its updates (at most N SGD steps); 0 for no cap.",
        DefaultValueFactory = _ => EngineFlags.Defaults("").RowCap,
    };
    private static readonly Option<string> Proposal = Choice("--proposal", "Sampled softmax: candidates from a log-uniform (Zipf) law over frequency rank, or from count^e (e: --ns-exponent).", "log-uniform", "log-uniform", "unigram");
    private static readonly Option<int> Dim = new("--dim") { Description = "Vector dimension.", DefaultValueFactory = _ => 100 };
    private static readonly Option<int> Window = new("--window") { Description = "Maximum context window (each word draws 1..window).", DefaultValueFactory = _ => 5 };
    private static readonly Option<int> Negative = new("--negative") { Description = "Noise words per prediction (negative sampling).", DefaultValueFactory = _ => 5 };
    private static readonly Option<double> NsExponent = new("--ns-exponent") { Description = "Exponent of the noise distribution count^e.", DefaultValueFactory = _ => 0.75 };
    private static readonly Option<double> Sample = new("--sample") { Description = "Subsampling threshold for frequent words; 0 turns it off.", DefaultValueFactory = _ => 1e-3 };
    private static readonly Option<int> MinCount = new("--min-count") { Description = "Ignore words seen fewer times.", DefaultValueFactory = _ => 5 };
    private static readonly Option<int?> MaxVocab = new("--max-vocab") { Description = "Keep only the N most frequent words." };
    private static readonly Option<float?> Alpha = new("--alpha") { Description = "Starting learning rate (default 0.025 skip-gram, 0.05 CBOW)." };
    private static readonly Option<float> MinAlpha = new("--min-alpha") { Description = "Learning rate at the end (linear decay).", DefaultValueFactory = _ => 1e-4f };
    private static readonly Option<int> Epochs = new("--epochs", "--iter") { Description = "Passes over the corpus.", DefaultValueFactory = _ => 5 };
    private static readonly Option<int?> Threads = new("--threads") { Description = "Training threads (default: all cores)." };
    private static readonly Option<ulong> Seed = new("--seed") { Description = "Random seed; with --threads 1 a run is exactly repeatable.", DefaultValueFactory = _ => 1UL };
    private static readonly Option<bool> CbowSum = new("--cbow-sum") { Description = "CBOW: sum the context vectors instead of averaging them." };
    private static readonly Option<int> MaxSentence = new("--max-sentence-length") { Description = "Cut longer lines into sentences of this many tokens.", DefaultValueFactory = _ => 10_000 };
    private static readonly Option<string?> SaveVocab = new("--save-vocab") { Description = "Also write the vocabulary ('word count' lines)." };
    private static readonly Option<string?> ReadVocab = new("--read-vocab") { Description = "Use this vocabulary instead of counting the corpus." };
    private static readonly Option<bool?> Eval = new("--eval") { Description = "Evaluate the vectors on the bundled analogy and similarity sets (default: on for the bundled corpus)." };
    private static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Only errors and the final summary." };
    private static readonly Option<string?> Plot = Pictures.PlotOption("the loss over training and per epoch, and words/s,");
    private static readonly Option<bool> Json = new("--json") { Description = "Print the summary (vocabulary, tree, epochs, outputs, scores) as one JSON object instead of text; logs stay on stderr." };
    private static readonly Option<string?> Checkpoint = new("--checkpoint")
    {
        Description = "CPU engine: write a checkpoint (model file) here at intervals, on Ctrl-C and at the end; go on with --resume.",
    };
    private static readonly Option<string?> CheckpointEvery = new("--checkpoint-every")
    {
        Description = "Checkpoint interval: a duration (90s, 30min, 2h) or corpus words (5000000, 500k, 50M, 2G). Default: 30min.",
    };
    private static readonly Option<string?> Continue = new("--continue")
    {
        Description = "Train a finished model (a checkpoint) further on new text given with --input: counts merge, new words join, grafted onto the old tree.",
    };
    private static readonly Option<string?> Resume = new("--resume")
    {
        Description = "Go on from a checkpoint with its inputs and options; only --output, --format, --save-vocab, --eval, --quiet, --json, --plot, --checkpoint and --checkpoint-every may be given again.",
    };

    private static readonly Option<bool> Distributed = new("--distributed")
    {
        Description = "Train as one rank of an MPI job: start every rank with 'mpirun -np N hsoftmax train ... --distributed' (Open MPI). Each rank trains its own part of the corpus; rank 0 writes the outputs.",
    };
    private static readonly Option<long?> SyncWords = new("--sync-words")
    {
        Description = $"With --distributed: corpus words each rank trains at least between synchronisation rounds, which come at chunk ends (default {DistributedTraining.DefaultSyncWordsPerThread:N0} per thread, at least {DistributedTraining.MinSyncWords:N0}).",
    };

    public static Command Create()
    {
        var command = new Command("train", "Train word vectors (skip-gram or CBOW; hierarchical softmax and/or negative sampling) and write them in word2vec format.");
        foreach (Option o in new Option[] { Input, Output, Format, Model, Loss, Engine, Device, GpuWarps, Batch, RowCap, Samples, Proposal, Dim, Window, Negative, NsExponent, Sample, MinCount, MaxVocab,
                     Alpha, MinAlpha, Epochs, Threads, Seed, CbowSum, MaxSentence, SaveVocab, ReadVocab, Eval, Quiet, Json, Plot, Checkpoint, CheckpointEvery, Resume, Continue,
                     Distributed, SyncWords })
            command.Options.Add(o);
        command.SetAction((parse, cancel) => Task.FromResult(Run(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel)));
        return command;
    }

    /// <summary>Each loss as --loss names it.</summary>
    private static readonly (string Name, LossKind Kind)[] LossNames =
    [
        ("hs", LossKind.HierarchicalSoftmax), ("ns", LossKind.NegativeSampling), ("hs+ns", LossKind.HierarchicalSoftmaxAndNegativeSampling),
        ("sampled", LossKind.SampledSoftmax), ("softmax", LossKind.Softmax),
    ];

    private static string LossName(LossKind kind) => LossNames.First(n => n.Kind == kind).Name;

    /// <summary>
    /// The flag of each library option: the core and the engines name properties ("MinAlpha: must be ...")
    /// and the tool says flags ("--min-alpha: must be ..."). The one place the two meet.
    /// </summary>
    private static string FlagOf(string property, IEngineAddOn? addOn) =>
        addOn?.FlagOf(property) ?? CoreFlagOf(property).Name;

    private static Option CoreFlagOf(string property) => property switch
    {
        nameof(TrainingOptions.Model) => Model,
        nameof(TrainingOptions.Loss) => Loss,
        nameof(TrainingOptions.Dim) => Dim,
        nameof(TrainingOptions.Window) => Window,
        nameof(TrainingOptions.Negative) => Negative,
        nameof(TrainingOptions.NegativeExponent) => NsExponent,
        nameof(TrainingOptions.Sample) => Sample,
        nameof(TrainingOptions.MinCount) => MinCount,
        nameof(TrainingOptions.MaxVocab) => MaxVocab,
        nameof(TrainingOptions.Alpha) => Alpha,
        nameof(TrainingOptions.MinAlpha) => MinAlpha,
        nameof(TrainingOptions.Epochs) => Epochs,
        nameof(TrainingOptions.Threads) => Threads,
        nameof(CorpusOptions.MaxSentenceLength) => MaxSentence,
        nameof(TrainingPlan.Checkpoint) => Resume,
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, "an option the command line does not have"),
    };

    private static Option<string> Choice(string name, string description, string fallback, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    internal static int Run(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var rank = new RankOfJob();
        int code = 1;   // an exception no handler expected: the job must still stop
        try
        {
            code = Run(parse, stdout, stderr, rank, cancel);
            return code;
        }
        finally { rank.End(code, stderr); }
    }

    /// <summary>The MPI job a --distributed run is a rank of: finalised when the rank is done, aborted (all ranks) when it failed.</summary>
    private sealed class RankOfJob
    {
        public MpiJob? Job { get; set; }
        public bool IsFirst => Job is null || Job.Rank == 0;

        public void End(int code, TextWriter stderr)
        {
            if (Job is null) return;
            if (code == 0) { Job.Dispose(); return; }
            // The other ranks would wait for this one at their next round: stop the whole job, with this rank's code.
            stderr.Flush();
            Job.Abort(code);
        }
    }

    private static int Run(ParseResult parse, TextWriter stdout, TextWriter stderr, RankOfJob rank, CancellationToken cancel)
    {
        bool quiet = parse.GetValue(Quiet);
        bool distributed = parse.GetValue(Distributed);
        if (distributed && parse.GetValue(SyncWords) is not (null or > 0))
        {
            stderr.WriteLine($"hsoftmax: --sync-words: must be at least 1, got {parse.GetValue(SyncWords)}");
            return 2;
        }
        using var interruption = new Interruption(cancel);
        cancel = interruption.Token;
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ConsoleLoggerProvider(quiet ? LogLevel.Warning : LogLevel.Information, stderr)));
        var logger = loggerFactory.CreateLogger("hsoftmax");
        CheckpointPolicy? checkpoints = null;
        IEngineAddOn? addOn = null;
        try
        {
            void RefuseIfGiven(string why, params Option[] refused)
            {
                foreach (Option option in refused)
                    if (parse.GetResult(option) is { Implicit: false })
                        throw new ArgumentException($"{option.Name}: {why}");
            }
            // A resumed run takes its inputs and options from the checkpoint, its outputs from there too unless given again.
            var resume = parse.GetValue(Resume) is string resumePath ? ModelFile.Load(resumePath) : null;
            var continued = parse.GetValue(Continue) is string continuePath ? ModelFile.Load(continuePath) : null;
            // What a model file fixes: its shape and vocabulary. A resumed run also keeps its inputs and schedule.
            Option[] shape = [Model, Loss, Engine, Device, Batch, RowCap, Samples, Proposal, Dim, Window, Negative, NsExponent, Sample, MinCount, MaxVocab, CbowSum, MaxSentence, ReadVocab];
            if (continued is not null)
            {
                if (resume is not null) throw new ArgumentException("--continue: give --resume or --continue, not both");
                if (parse.GetResult(Input) is not { Implicit: false }) throw new ArgumentException("--continue: give the new text with --input");
                RefuseIfGiven("a continued run keeps the model's shape and vocabulary options; --input, --epochs, --alpha, --min-alpha, --threads, --seed and output options may be given",
                    shape);
            }
            if (resume is not null)
                RefuseIfGiven("a resumed run keeps the checkpoint's inputs and options; give only --output, --format, --save-vocab, --eval, --quiet, --json, --plot, --checkpoint or --checkpoint-every",
                    [Input, Alpha, MinAlpha, Epochs, Threads, Seed, .. shape]);
            string? Setting(Option option, string? given) =>
                parse.GetResult(option) is { Implicit: false } || resume is null ? given : Recorded(resume, option.Name) ?? given;

            string[] inputs = resume is not null ? [.. resume.Inputs] : parse.GetValue(Input) ?? [];
            bool bundled = inputs.Length == 0;
            if (bundled)
            {
                string corpus = BundledData.FindCorpus()
                    ?? throw new InputFileException($"the bundled corpus corpora/{BundledData.CorpusFileName} was not found; give --input");
                inputs = [corpus];
                if (CorpusFiles.StandardInputIsPipe && !distributed)  // under mpirun, standard input is mpirun's pipe
                    logger.LogWarning("Standard input is a pipe, but without --input - it is not read: training on the bundled corpus");
            }
            var options = new TrainingOptions
            {
                Model = parse.GetValue(Model) == "skipgram" ? ModelKind.SkipGram : ModelKind.Cbow,
                Loss = LossNames.First(n => n.Name == parse.GetValue(Loss)).Kind,
                Dim = parse.GetValue(Dim),
                Window = parse.GetValue(Window),
                Negative = parse.GetValue(Negative),
                NegativeExponent = parse.GetValue(NsExponent),
                Sample = parse.GetValue(Sample),
                MinCount = parse.GetValue(MinCount),
                MaxVocab = parse.GetValue(MaxVocab),
                Alpha = parse.GetValue(Alpha),
                MinAlpha = parse.GetValue(MinAlpha),
                Epochs = parse.GetValue(Epochs),
                Threads = parse.GetValue(Threads) ?? Environment.ProcessorCount,
                Seed = parse.GetValue(Seed),
                CbowMean = !parse.GetValue(CbowSum),
                Corpus = new CorpusOptions { MaxSentenceLength = parse.GetValue(MaxSentence) },
            };
            if (resume is not null) options = resume.Options;
            if (continued is not null)
            {
                T Given<T>(Option<T> option, T fallback) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;
                options = continued.Options with
                {
                    Epochs = Given(Epochs, continued.Options.Epochs),
                    Alpha = parse.GetResult(Alpha) is { Implicit: false } ? parse.GetValue(Alpha) : null,  // set once the new text is counted
                    MinAlpha = Given(MinAlpha, continued.Options.MinAlpha),
                    Threads = parse.GetValue(Threads) ?? Environment.ProcessorCount,
                    Seed = Given(Seed, continued.Options.Seed),
                };
            }
            // Checked before standard input is copied; TrainingPlan checks again, cheaply, for library callers.
            options.Validate();
            string engineName = parse.GetValue(Engine)!;
            if (distributed)
            {
                if (engineName != "cpu") throw new ArgumentException("--distributed: ranks train with the cpu engine; leave out --engine");
                if (continued is not null) throw new ArgumentException("--continue: not with --distributed; continue the model in one process");
                RefuseIfGiven("with --distributed, rank 0 writes a checkpoint at the end of every epoch, where all ranks hold the same weights", CheckpointEvery);
            }
            else RefuseIfGiven("only a --distributed run takes it", SyncWords);
            if (engineName == "cpu")
                RefuseIfGiven("the cpu engine runs on the CPU; --engine gpu or --engine torch take a device", Device);
            if (engineName != "torch")
                RefuseIfGiven("only the torch engine takes it; add --engine torch", Batch, RowCap, Samples, Proposal);
            if (engineName != "gpu")
                RefuseIfGiven("only the gpu engine takes it; add --engine gpu", GpuWarps);
            if (options.Loss != LossKind.SampledSoftmax)
                RefuseIfGiven("only sampled softmax takes it; add --loss sampled", Samples, Proposal);
            var format = Setting(Format, parse.GetValue(Format)) == "binary" ? VectorFormat.Binary : VectorFormat.Text;
            string output = Setting(Output, parse.GetValue(Output))!;
            string? saveVocab = Setting(SaveVocab, parse.GetValue(SaveVocab));
            string? checkpointPath = Setting(Checkpoint, parse.GetValue(Checkpoint)) ?? parse.GetValue(Resume);
            string? every = Setting(CheckpointEvery, parse.GetValue(CheckpointEvery));
            if (every is not null && checkpointPath is null) throw new ArgumentException("--checkpoint-every: give --checkpoint FILE too");
            if (checkpointPath is not null)
            {
                var (time, words) = ParseInterval(every ?? "30min");
                checkpoints = new CheckpointPolicy(checkpointPath, time, words)
                {
                    Command = ["--output", output, "--format", format == VectorFormat.Binary ? "binary" : "text",
                        .. saveVocab is null ? Array.Empty<string>() : ["--save-vocab", saveVocab], "--checkpoint-every", every ?? "30min",
                        "--eval", (Setting(Eval, parse.GetValue(Eval)?.ToString()) is string e ? bool.Parse(e) : bundled).ToString()],
                };
            }
            DistributedTraining? job = null;
            if (distributed)
            {
                rank.Job = MpiJob.Start();
                job = new DistributedTraining(rank.Job) { SyncWords = parse.GetValue(SyncWords) };
                if (!rank.IsFirst)
                {
                    // Rank 0 speaks for the job: the others say only what goes wrong, and write nothing.
                    quiet = true;
                    logger = LoggerFactory.Create(b => b.AddProvider(new ConsoleLoggerProvider(LogLevel.Warning, stderr))).CreateLogger($"rank {rank.Job.Rank}");
                    checkpoints = null;
                }
                logger.LogInformation("Distributed: rank {Rank} of {Size}", rank.Job.Rank, rank.Job.Size);
            }
            // The engine is made before any work: --device cuda without CUDA is said at once.
            addOn = engineName switch { "torch" => AddOn.Torch.Load<IEngineAddOn>(), "gpu" => AddOn.Gpu.Load<IEngineAddOn>(), _ => null };
            ITrainingEngine engine = addOn?.Create(new EngineFlags(parse.GetValue(Device)!, parse.GetValue(Batch), parse.GetValue(Samples),
                    parse.GetValue(Proposal) == "unigram", parse.GetValue(RowCap), parse.GetValue(GpuWarps)), logger)
                ?? new CpuEngine(logger) { Checkpoints = checkpoints, CompactHeapFirst = true, Distributed = job };
            using var engineResources = engine as IDisposable;
            if (!engine.Capabilities.Losses.Contains(options.Loss))
                throw new ArgumentException($"--loss {LossName(options.Loss)}: the {engineName} engine trains {string.Join(", ", engine.Capabilities.Losses.Select(LossName))}; --engine picks another");
            if (checkpoints is not null && !engine.Capabilities.Resumes)
                throw new ArgumentException($"--checkpoint: the {engineName} engine does not write checkpoints; the CPU engine does");
            var files = CorpusFiles.Expand(inputs);
            var outputs = new List<(string, string)> { ("--output", output) };
            if (saveVocab is not null) outputs.Add(("--save-vocab", saveVocab));
            if (checkpointPath is not null) outputs.Add(("--checkpoint", checkpointPath));
            string? plotPath = parse.GetValue(Plot);
            if (plotPath is not null) outputs.Add(("--plot", plotPath));
            OutputPaths.Check(outputs, inputs, files);
            var plots = plotPath is null ? null : Pictures.Prepare(plotPath, "--plot");
            bool evaluate = Setting(Eval, parse.GetValue(Eval)?.ToString()) is string evalSetting ? bool.Parse(evalSetting) : bundled;

            var clock = Stopwatch.StartNew();
            using var spool = CorpusSpool.Create(files, cancellationToken: cancel);
            if (checkpoints is not null && spool.Copied.Count > 0)
                throw new ArgumentException("--checkpoint: standard input or a pipe cannot be read again to resume; train from a file");
            if (distributed && spool.Copied.Count > 0)
                throw new ArgumentException("--distributed: every rank reads its part of the corpus from files; give --input files, not standard input or a pipe");
            foreach (var (copied, bytes) in spool.Copied)
                logger.LogInformation("Copied {Input} to a temporary file ({MB:N1} MB): training reads the corpus once per epoch",
                    copied == CorpusFiles.StandardInput ? "standard input" : copied, bytes / 1048576.0);
            var reader = new CorpusReader(spool.Files, options.Corpus);
            logger.LogInformation("Training {Model} with {Loss} on {Files} ({Engine} engine): dim {Dim}, window {Window}, sample {Sample}, min-count {MinCount}, {Epochs} epochs, {Threads} threads",
                options.Model == ModelKind.SkipGram ? "skip-gram" : "CBOW", LossName(options.Loss), Describe(files), engineName, options.Dim, options.Window,
                options.Sample, options.MinCount, options.Epochs, options.Threads);
            var progress = new ProgressReporter(stderr, logger, quiet);
            string? readVocab = parse.GetValue(ReadVocab);
            // With --distributed, rank 0 alone counts (or loads) the vocabulary; every rank gets it and builds the same tree.
            bool fromRank0 = job is not null && resume is null;
            var plan = fromRank0 && !rank.IsFirst ? null
                : resume is not null ? TrainingPlan.Resume(resume, logger)
                : continued is not null ? TrainingPlan.Continue(continued, reader, options, logger, cancel)
                : readVocab is not null ? TrainingPlan.Prepare(options, Vocabulary.Load(readVocab, options.MinCount, options.MaxVocab), logger)
                : TrainingPlan.Prepare(options, reader, logger, cancel);
            if (fromRank0)
            {
                var vocabulary = job!.ShareVocabulary(plan?.Vocabulary);
                plan ??= TrainingPlan.Prepare(options, vocabulary);
            }
            options = plan!.Options;   // null only on ranks after 0 before the vocabulary came
            var result = engine.Train(plan, job?.ShareCorpus(reader, cancel) ?? reader, progress, cancel);
            progress.Finish();
            if (!rank.IsFirst) return 0;
            if (job is not null)
                logger.LogInformation("Distributed: {Ranks} ranks, {Rounds:N0} rounds; rank 0 sent {MB:N1} MB of rows ({PerWord:F2} bytes per corpus word of its part), synchronising {Share:P1} of its training time",
                    job.Job.Size, job.Rounds, job.PayloadBytes / 1048576.0, job.PayloadBytes / Math.Max(1.0, (double)result.Epochs.Sum(e => e.Words) / job.Job.Size),
                    job.SyncTime / result.TrainingTime);

            if (saveVocab is not null) result.Vocabulary.Save(saveVocab, cancel);
            var writeClock = Stopwatch.StartNew();
            Word2VecFile.Save(result.Vectors, output, format, cancel);
            logger.LogInformation("Wrote {Count:N0} vectors to {Path} ({Format}) in {Seconds:F1} s", result.Vectors.Count, output, format.ToString().ToLowerInvariant(), writeClock.Elapsed.TotalSeconds);

            var report = evaluate ? EvaluateAfterTraining.Run(result.Vectors, logger) : null;
            if (parse.GetValue(Json))
            {
                var ranks = job is null ? null : new System.Text.Json.Nodes.JsonObject
                {
                    ["ranks"] = job.Job.Size, ["rounds"] = job.Rounds, ["payload_bytes_rank0"] = job.PayloadBytes, ["sync_seconds_rank0"] = job.SyncTime.TotalSeconds,
                };
                stdout.WriteLine(TrainSummaryJson.Create(result, options, engineName, LossName(options.Loss), clock.Elapsed, ranks,
                    new() { ["vectors"] = Path.GetFullPath(output), ["format"] = format == VectorFormat.Binary ? "binary" : "text", ["plot"] = plotPath is null ? null : Path.GetFullPath(plotPath),
                        ["vocabulary"] = saveVocab is null ? null : Path.GetFullPath(saveVocab), ["checkpoint"] = checkpointPath is null ? null : Path.GetFullPath(checkpointPath) },
                    report));
            }
            else
            {
                PrintSummary(stdout, result, options, engineName, output, clock.Elapsed);
                if (report is not null) EvaluateAfterTraining.Print(report, stdout);
            }
            // Last: the vectors and the summary are out whatever happens to the picture.
            if (plots is not null)
            {
                Pictures.Training(plots, progress.Points, result, $"{(options.Model == ModelKind.SkipGram ? "skip-gram" : "CBOW")} + {LossName(options.Loss)}, dim {options.Dim}, {engineName} engine: {Path.GetFileName(Describe(files))}", plotPath!);
                logger.LogInformation("Drew the training curve in {Path}", Path.GetFullPath(plotPath!));
            }
            return 0;
        }
        catch (OperationCanceledException)
        {
            ProgressLine.ClearIfShown(stderr);
            stderr.WriteLine(checkpoints?.Written is null ? "hsoftmax: cancelled; no output written"
                : $"hsoftmax: cancelled; checkpoint {checkpoints.Path} holds the run so far: go on with 'hsoftmax train --resume {checkpoints.Path}'");
            return interruption.ExitCode;
        }
        catch (TrainingDivergedException e) when (checkpoints?.Written is { } last)
        {
            ProgressLine.ClearIfShown(stderr);
            stderr.WriteLine($"hsoftmax: {e.Message}; the last good checkpoint is {checkpoints.Path} (epoch {Math.Min(last.Epoch, last.Options.Epochs)}, {last.WordsDone:N0} words)");
            return 1;
        }
        catch (Exception e) when (addOn?.Explain(e) is string explained)
        {
            ProgressLine.ClearIfShown(stderr);
            stderr.WriteLine($"hsoftmax: {explained}");
            return 1;
        }
        catch (InvalidOptionException e)
        {
            ProgressLine.ClearIfShown(stderr);
            stderr.WriteLine($"hsoftmax: {FlagOf(e.Option, addOn)}: {e.Reason}");
            return 2;
        }
        catch (Exception e) when (e is InputFileException or ArgumentException or InsufficientMemoryException or IOException or UnauthorizedAccessException or AddOnMissingException or PictureException or TrainingDivergedException or DistributedException)
        {
            ProgressLine.ClearIfShown(stderr);
            stderr.WriteLine($"hsoftmax: {e.Message}");
            return e is ArgumentException ? 2 : 1;
        }
    }

    /// <summary>A value the checkpoint's run was given (kept as option-value pairs in its Command).</summary>
    private static string? Recorded(TrainingCheckpoint checkpoint, string option)
    {
        for (int i = 0; i + 1 < checkpoint.Command.Count; i++)
            if (checkpoint.Command[i] == option) return checkpoint.Command[i + 1];
        return null;
    }

    /// <summary>"90s", "30min", "2h" (a duration) or "5000000", "500k", "50M", "2G" (corpus words).</summary>
    internal static (TimeSpan? Time, long? Words) ParseInterval(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+(?:\.\d+)?)(s|min|h|k|M|G)?$");
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n <= 0)
            throw new ArgumentException($"--checkpoint-every: expected a duration (90s, 30min, 2h) or a number of words (5000000, 500k, 50M, 2G), got '{text}'");
        return m.Groups[2].Value switch
        {
            "s" => (TimeSpan.FromSeconds(n), null),
            "min" => (TimeSpan.FromMinutes(n), null),
            "h" => (TimeSpan.FromHours(n), null),
            "k" => (null, (long)(n * 1e3)),
            "M" => (null, (long)(n * 1e6)),
            "G" => (null, (long)(n * 1e9)),
            _ => (null, (long)n),
        };
    }

    private static string Describe(IReadOnlyList<string> files) =>
        files.Count == 1 ? (files[0] == CorpusFiles.StandardInput ? "standard input" : files[0]) : $"{files.Count} files";

    private static void PrintSummary(TextWriter w, TrainingResult r, TrainingOptions o, string engine, string output, TimeSpan wall)
    {
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine();
        w.WriteLine(string.Create(inv, $"Vocabulary   {r.Vocabulary.Count:N0} words ({r.Vocabulary.TotalCount:N0} corpus tokens in vocabulary)"));
        if (r.Tree is not null)
            w.WriteLine(string.Create(inv, $"Huffman tree depth max {r.Tree.MaxDepth}, mean {r.Tree.WeightedMeanDepth:F2} nodes per word"));
        foreach (var e in r.Epochs)
            w.WriteLine(string.Create(inv, $"Epoch {e.Epoch,-6} loss {e.Loss:F4}   {e.WordsPerSecond:N0} words/s"));
        w.WriteLine(string.Create(inv, $"Training     {r.TrainingTime.TotalSeconds:F1} s, {r.WordsPerSecond:N0} words/s on {(engine == "cpu" ? $"{o.Threads} thread(s), {Environment.ProcessorCount} core(s)" : $"the {engine} engine")}; {wall.TotalSeconds:F1} s in all"));
        w.WriteLine($"Vectors      {Path.GetFullPath(output)}");
        w.WriteLine();
        var probes = ProbeWords.Where(p => r.Vectors.IndexOf(p) >= 0).Take(5).ToList();
        if (probes.Count == 0)
        {
            // Words from rank 50 on, fewer in a smaller vocabulary: the very top is mostly function words.
            int take = Math.Min(5, r.Vectors.Count);
            probes = Enumerable.Range(Math.Min(50, r.Vectors.Count - take), take).Select(r.Vectors.GetWord).ToList();
        }
        w.WriteLine("Nearest neighbours (cosine):");
        foreach (string probe in probes)
        {
            var near = r.Vectors.Nearest(probe, 6);
            w.WriteLine(string.Create(inv, $"  {probe,-8} {string.Join(", ", near.Select(n => $"{n.Word} {n.Similarity:F2}"))}"));
        }
    }

    /// <summary>Progress: a live line on a terminal, a log line every 10 s otherwise; every report kept for --plot.</summary>
    private sealed class ProgressReporter(TextWriter stderr, ILogger logger, bool quiet) : IProgress<TrainingProgress>
    {
        private readonly bool _live = !Console.IsErrorRedirected;
        private readonly List<TrainingProgress> _points = [];
        private DateTime _lastLog = DateTime.UtcNow;

        public IReadOnlyList<TrainingProgress> Points
        {
            get { lock (_points) return [.. _points]; }
        }

        public void Report(TrainingProgress p)
        {
            lock (_points) _points.Add(p);
            if (quiet) return;
            string text = string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch}/{p.Epochs}  {p.Fraction * 100,5:F1}%  alpha {p.Alpha:F5}  loss {p.EpochLoss:F4}  {p.WordsPerSecond,9:N0} words/s  ETA {p.Remaining:hh\\:mm\\:ss}");
            if (_live) ProgressLine.Show(stderr, text);
            else if ((DateTime.UtcNow - _lastLog).TotalSeconds >= 10)
            {
                _lastLog = DateTime.UtcNow;
                logger.LogInformation("{Progress}", text);
            }
        }

        public void Finish()
        {
            lock (ConsoleLoggerProvider.Lock) ProgressLine.ClearIfShown(stderr);
        }
    }
}
